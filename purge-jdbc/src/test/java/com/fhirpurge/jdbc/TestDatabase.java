package com.fhirpurge.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;

/**
 * The databases the tests run on, each test class in its own schema (PostgreSQL), database (MariaDB) or in-memory
 * database (H2), with a non-UTC session time zone. PostgreSQL and MariaDB are the real servers on this machine
 * (override with {@code PURGE_PG_URL} / {@code PURGE_MARIADB_URL}); when one is unreachable its tests are skipped,
 * unless {@code PURGE_REQUIRE_DATABASES=true} (CI sets it), which makes them fail.
 */
public enum TestDatabase {
    /** Embedded H2, in memory. */
    H2,
    /** The local PostgreSQL. */
    POSTGRES,
    /** The local MariaDB. */
    MARIADB;

    private static final String ZONE = "Asia/Kathmandu";

    /** One isolated schema or database and the pools opened on it. */
    public final class Instance implements AutoCloseable {
        private final String name;
        private final List<HikariDataSource> pools = new ArrayList<>();

        private Instance(String name) {
            this.name = name;
        }

        /**
         * A new connection pool on this instance (each engine of a cluster test gets its own).
         *
         * @param maxSize the pool size
         * @return the pool
         */
        public DataSource newPool(int maxSize) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(jdbcUrl(name));
            config.setMaximumPoolSize(maxSize);
            config.setPoolName("test-" + name + "-" + pools.size());
            if (TestDatabase.this == POSTGRES) {
                config.addDataSourceProperty("currentSchema", name);
            }
            HikariDataSource ds = new HikariDataSource(config);
            pools.add(ds);
            return ds;
        }

        /**
         * The detected dialect.
         *
         * @return the dialect
         */
        public JdbcDialect dialect() {
            return JdbcDialects.forProductName(TestDatabase.this == H2 ? "H2"
                    : TestDatabase.this == POSTGRES ? "PostgreSQL" : "MariaDB");
        }

        @Override
        public void close() {
            pools.forEach(HikariDataSource::close);
            drop(name);
        }
    }

    /**
     * Creates an isolated schema or database, or skips (fails on CI) when the server is unreachable.
     *
     * @param label a readable part of the name
     * @return the instance
     */
    public Instance create(String label) {
        String name = ("fp_" + label + "_" + UUID.randomUUID().toString().substring(0, 8))
                .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        try {
            switch (this) {
                case POSTGRES -> admin("CREATE SCHEMA " + name);
                case MARIADB -> admin("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
                default -> { }
            }
        } catch (SQLException e) {
            unreachable(e);
        }
        return new Instance(name);
    }

    private void unreachable(SQLException e) {
        String message = this + " is unreachable at " + adminUrl() + ": " + e.getMessage();
        if ("true".equalsIgnoreCase(System.getenv("PURGE_REQUIRE_DATABASES"))) {
            throw new AssertionError(message + " (PURGE_REQUIRE_DATABASES=true)", e);
        }
        Assumptions.abort(message);
    }

    private String adminUrl() {
        return switch (this) {
            case POSTGRES -> env("PURGE_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
            case MARIADB -> env("PURGE_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/test?user=root&password=");
            case H2 -> "jdbc:h2:mem:admin";
        };
    }

    private String jdbcUrl(String name) {
        return switch (this) {
            case POSTGRES -> adminUrl() + "&options=-c%20TimeZone%3D" + ZONE.replace("/", "%2F");
            case MARIADB -> adminUrl().replace("/test?", "/" + name + "?")
                    + "&sessionVariables=time_zone='+05:45'";
            case H2 -> "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1;TIME ZONE=" + ZONE;
        };
    }

    private void admin(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(adminUrl()); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private void drop(String name) {
        try {
            switch (this) {
                case POSTGRES -> admin("DROP SCHEMA IF EXISTS " + name + " CASCADE");
                case MARIADB -> admin("DROP DATABASE IF EXISTS " + name);
                case H2 -> {
                    try (Connection c = DriverManager.getConnection(jdbcUrl(name)); Statement s = c.createStatement()) {
                        s.execute("SHUTDOWN");
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not drop " + name, e);
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
