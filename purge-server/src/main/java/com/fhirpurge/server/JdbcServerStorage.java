package com.fhirpurge.server;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.jdbc.JdbcDialect;
import com.fhirpurge.jdbc.JdbcDialects;
import com.fhirpurge.jdbc.JdbcJobRepository;
import com.fhirpurge.jdbc.JdbcLayout;
import com.fhirpurge.jdbc.JdbcResourceStore;
import com.fhirpurge.jdbc.JdbcSchema;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceReader;
import com.fhirpurge.spi.ResourceWriter;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;

/**
 * The JDBC adapter on a HikariCP pool, with the reference schema and the job tables (prefix {@value #PREFIX})
 * created at start-up: PostgreSQL, MariaDB/MySQL, or an embedded H2 file database by default.
 */
public final class JdbcServerStorage implements ServerStorage {

    /** The table prefix of the reference schema and the job tables. */
    public static final String PREFIX = "fp_";

    private final HikariDataSource pool;
    private final JdbcResourceStore store;
    private final PurgeStorage purgeStorage;
    private final String description;

    private JdbcServerStorage(HikariDataSource pool, String description) {
        this.pool = pool;
        JdbcDialect dialect = JdbcDialects.detect(pool);
        JdbcSchema.createReferenceSchema(pool, dialect, PREFIX);
        JdbcSchema.createJobSchema(pool, dialect, PREFIX);
        this.store = new JdbcResourceStore(pool, JdbcLayout.referenceSchema(PREFIX), dialect);
        this.purgeStorage = PurgeStorage.of(store, store, new JdbcJobRepository(pool, dialect, PREFIX));
        this.description = description + " (" + dialect.getClass().getSimpleName() + ")";
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
            return new JdbcServerStorage(pool, shown);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    @Override
    public PurgeStorage purgeStorage() {
        return purgeStorage;
    }

    @Override
    public ResourceWriter writer() {
        return store;
    }

    @Override
    public ResourceReader reader() {
        return store;
    }

    @Override
    public ResourceEraser eraser() {
        return store;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        pool.close();
    }
}
