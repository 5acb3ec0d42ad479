package com.fhirpurge.server;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.jdbc.JdbcDialect;
import com.fhirpurge.jdbc.JdbcDialects;
import com.fhirpurge.jdbc.JdbcJobRepository;
import com.fhirpurge.jdbc.JdbcLayout;
import com.fhirpurge.jdbc.JdbcResourceStore;
import com.fhirpurge.jdbc.JdbcSchema;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;

/**
 * The JDBC adapter on a HikariCP pool, with the reference schema and the job tables (prefix {@value #PREFIX})
 * created at start-up: PostgreSQL, MariaDB/MySQL, or an embedded H2 file database by default.
 */
public final class JdbcServerStorage extends StoreServerStorage<JdbcResourceStore> {

    /** The table prefix of the reference schema and the job tables. */
    public static final String PREFIX = "fp_";

    private final HikariDataSource pool;

    private JdbcServerStorage(HikariDataSource pool, JdbcDialect dialect, JdbcResourceStore store,
                              String description) {
        super(store, PurgeStorage.of(store, store, new JdbcJobRepository(pool, dialect, PREFIX)),
                description + " (" + dialect.getClass().getSimpleName() + ")");
        this.pool = pool;
    }

    private static JdbcServerStorage prepare(HikariDataSource pool, String description) {
        JdbcDialect dialect = JdbcDialects.detect(pool);
        JdbcSchema.createReferenceSchema(pool, dialect, PREFIX);
        JdbcSchema.createJobSchema(pool, dialect, PREFIX);
        return new JdbcServerStorage(pool, dialect,
                new JdbcResourceStore(pool, JdbcLayout.referenceSchema(PREFIX), dialect), description);
    }

    /**
     * Opens the database of the options and prepares the schema.
     *
     * @param options {@code --jdbc-url} with user and password, else embedded H2 in {@code --data-dir}
     * @return the storage
     * @throws com.fhirpurge.spi.StoreException when the database cannot be prepared
     * @throws RuntimeException                 from HikariCP when the database cannot be reached
     */
    public static JdbcServerStorage open(ServerOptions options) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("purge-server-db");
        config.setMaximumPoolSize(12);
        String url = options.jdbcUrl();
        String shown;
        if (url == null) {
            Path file = options.dataDir().toAbsolutePath().normalize().resolve("fhir-purge");
            url = "jdbc:h2:file:" + file + ";DB_CLOSE_ON_EXIT=FALSE";
            shown = "embedded H2 at " + file + ".mv.db";
        } else {
            int semicolon = url.indexOf(';');
            int question = url.indexOf('?');
            int cut = semicolon < 0 ? question : question < 0 ? semicolon : Math.min(semicolon, question);
            shown = cut < 0 ? url : url.substring(0, cut); // parameters may hold a password
        }
        config.setJdbcUrl(url);
        if (options.jdbcUser() != null) {
            config.setUsername(options.jdbcUser());
        }
        if (options.jdbcPassword() != null) {
            config.setPassword(options.jdbcPassword());
        }
        HikariDataSource pool = new HikariDataSource(config);
        try {
            return prepare(pool, shown);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
