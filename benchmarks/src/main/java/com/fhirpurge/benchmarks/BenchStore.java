package com.fhirpurge.benchmarks;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.jdbc.JdbcDialect;
import com.fhirpurge.jdbc.JdbcDialects;
import com.fhirpurge.jdbc.JdbcJobRepository;
import com.fhirpurge.jdbc.JdbcLayout;
import com.fhirpurge.jdbc.JdbcResourceStore;
import com.fhirpurge.jdbc.JdbcSchema;
import com.fhirpurge.mongo.MongoJobRepository;
import com.fhirpurge.mongo.MongoLayout;
import com.fhirpurge.mongo.MongoResourceStore;
import com.fhirpurge.spi.CompartmentParam;
import com.fhirpurge.spi.ResourceKeys;
import com.fhirpurge.spi.ResourceWriter;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * The stores the benchmarks run on. PostgreSQL and MariaDB are the local servers ({@code PURGE_PG_URL},
 * {@code PURGE_MARIADB_URL} override them); MongoDB is an in-process wire-protocol server ({@code mongo-java-server},
 * in-memory backend) unless {@code PURGE_MONGO_URI} names a real one. JDBC stores use the reference schema, MongoDB
 * the reference-field layout (the one built for speed).
 */
public enum BenchStore {
    /** Embedded H2, in memory. */
    H2,
    /** The local PostgreSQL. */
    POSTGRES,
    /** The local MariaDB. */
    MARIADB,
    /** MongoDB: the wire server, or {@code PURGE_MONGO_URI}. */
    MONGO;

    /** System property: {@code true} keeps H2 on disk (its page cache is bounded), so it does not fill the heap. */
    static final String H2_ON_DISK = "fhirpurge.bench.h2OnDisk";

    private static final String PREFIX = "fp_";
    private static final List<String> JDBC_TABLES = List.of("resource", "resource_history", "reference", "string_idx",
            "token_idx", "date_idx");

    /**
     * Creates an isolated, empty store.
     *
     * @param poolSize connections (or nothing, for MongoDB)
     * @return the store
     */
    StoreHandle open(int poolSize) {
        String name = ("fpb_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
        return this == MONGO ? new Mongo(name) : new Jdbc(this, name, poolSize);
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** What every store hands out: its roles and its writer. */
    private abstract static class Opened implements StoreHandle {
        private PurgeStorage storage;
        private ResourceWriter writer;

        final void opened(PurgeStorage roles, ResourceWriter resourceWriter) {
            this.storage = roles;
            this.writer = resourceWriter;
        }

        @Override
        public PurgeStorage storage() {
            return storage;
        }

        @Override
        public ResourceWriter writer() {
            return writer;
        }
    }

    /** A JDBC store on the reference schema. */
    private static final class Jdbc extends Opened {
        private final BenchStore kind;
        private final String name;
        private final HikariDataSource pool;
        private final JdbcDialect dialect;

        Jdbc(BenchStore kind, String name, int poolSize) {
            this.kind = kind;
            this.name = name;
            admin(kind, switch (kind) {
                case POSTGRES -> "CREATE SCHEMA " + name;
                case MARIADB -> "CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
                default -> null;
            });
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(switch (kind) {
                case POSTGRES -> adminUrl(kind);
                case MARIADB -> adminUrl(kind).replace("/test?", "/" + name + "?");
                default -> Boolean.getBoolean(H2_ON_DISK)
                        ? "jdbc:h2:file:" + java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), name)
                        : "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1";
            });
            if (kind == POSTGRES) {
                config.addDataSourceProperty("currentSchema", name);
            }
            config.setMaximumPoolSize(poolSize);
            config.setPoolName("bench-" + name);
            this.pool = new HikariDataSource(config);
            this.dialect = JdbcDialects.forProductName(kind == H2 ? "H2" : kind == POSTGRES ? "PostgreSQL"
                    : "MariaDB");
            JdbcSchema.createReferenceSchema(pool, dialect, PREFIX);
            JdbcSchema.createJobSchema(pool, dialect, PREFIX);
            JdbcResourceStore store = new JdbcResourceStore(pool, JdbcLayout.referenceSchema(PREFIX), dialect);
            opened(PurgeStorage.of(store, store, new JdbcJobRepository(pool, dialect, PREFIX)), store);
        }

        @Override
        public void ceilingPurge(List<String> patientIds) {
            if (kind == H2) {
                try {
                    h2Ceiling(patientIds);
                } catch (SQLException e) {
                    throw new IllegalStateException("ceiling purge failed on H2", e);
                }
                return;
            }
            String in = String.join(", ", Collections.nCopies(patientIds.size(), "?"));
            String members = "SELECT " + q("src_id") + ", " + q("src_type") + " FROM (SELECT DISTINCT "
                    + q("src_id") + ", " + q("src_type") + " FROM " + q(PREFIX + "reference") + " WHERE "
                    + q("target_type") + " = 'Patient' AND " + q("target_id") + " IN (" + in + ")) m";
            List<String> statements = new ArrayList<>();
            String id = q("res_id");
            String type = q("res_type");
            for (String table : JDBC_TABLES) {
                if (table.equals("reference")) {
                    continue; // last, below
                }
                String t = q(PREFIX + table);
                statements.add("DELETE FROM " + t + " WHERE (" + id + ", " + type + ") IN (" + members + ")");
                statements.add("DELETE FROM " + t + " WHERE " + type + " = 'Patient' AND " + id + " IN (" + in + ")");
            }
            // the reference rows last: membership is read from them
            String r = q(PREFIX + "reference");
            statements.add("DELETE FROM " + r + " WHERE (" + q("src_id") + ", " + q("src_type") + ") IN (" + members
                    + ")");
            statements.add("DELETE FROM " + r + " WHERE " + q("src_type") + " = 'Patient' AND " + q("src_id")
                    + " IN (" + in + ")");
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                for (String template : statements) {
                    // every placeholder belongs to an IN list of the patient ids, in order
                    String sql = template;
                    int placeholders = sql.length() - sql.replace("?", "").length();
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        for (int i = 0; i < placeholders; i++) {
                            ps.setString(i + 1, patientIds.get(i % patientIds.size()));
                        }
                        ps.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException e) {
                throw new IllegalStateException("ceiling purge failed on " + kind, e);
            }
        }

        /**
         * H2 answers a row value IN a subquery with a scan per row, so its ceiling reads the members once and deletes
         * them by key, one batched statement per table, in one transaction (PostgreSQL plans the set-based
         * statements as semi-joins; MariaDB scans each table once, with the members as a subquery per row).
         */
        private void h2Ceiling(List<String> patientIds) throws SQLException {
            String in = String.join(", ", Collections.nCopies(patientIds.size(), "?"));
            List<String[]> members = new ArrayList<>();
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT " + q("src_id") + ", "
                        + q("src_type") + " FROM " + q(PREFIX + "reference") + " WHERE " + q("target_type")
                        + " = 'Patient' AND " + q("target_id") + " IN (" + in + ")")) {
                    for (int i = 0; i < patientIds.size(); i++) {
                        ps.setString(i + 1, patientIds.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            members.add(new String[] {rs.getString(1), rs.getString(2)});
                        }
                    }
                }
                patientIds.forEach(id -> members.add(new String[] {id, "Patient"}));
                for (String table : JDBC_TABLES) {
                    boolean refs = table.equals("reference");
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + q(PREFIX + table) + " WHERE "
                            + q(refs ? "src_id" : "res_id") + " = ? AND " + q(refs ? "src_type" : "res_type")
                            + " = ?")) {
                        for (String[] m : members) {
                            ps.setString(1, m[0]);
                            ps.setString(2, m[1]);
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                }
                c.commit();
            }
        }

        private String q(String identifier) {
            return dialect.quote(identifier);
        }

        @Override
        public long countRows() {
            long rows = 0;
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                for (String table : JDBC_TABLES) {
                    try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + q(PREFIX + table))) {
                        rs.next();
                        rows += rs.getLong(1);
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return rows;
        }

        @Override
        public void close() {
            pool.close();
            if (kind == H2 && Boolean.getBoolean(H2_ON_DISK)) {
                java.nio.file.Path dir = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
                for (String suffix : List.of(".mv.db", ".trace.db")) {
                    dir.resolve(name + suffix).toFile().delete();
                }
            }
            admin(kind, switch (kind) {
                case POSTGRES -> "DROP SCHEMA IF EXISTS " + name + " CASCADE";
                case MARIADB -> "DROP DATABASE IF EXISTS " + name;
                default -> null;
            });
        }

        private static String adminUrl(BenchStore kind) {
            return kind == POSTGRES ? env("PURGE_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres")
                    : env("PURGE_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/test?user=root&password=");
        }

        private static void admin(BenchStore kind, String sql) {
            if (sql == null) {
                return;
            }
            try (Connection c = DriverManager.getConnection(adminUrl(kind)); Statement s = c.createStatement()) {
                s.execute(sql);
            } catch (SQLException e) {
                throw new IllegalStateException(kind + " is unreachable at " + adminUrl(kind) + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /** A MongoDB store in the reference-field layout. */
    private static final class Mongo extends Opened {
        private final MongoServer server;
        private final MongoClient client;
        private final MongoDatabase database;
        private final MongoLayout layout = MongoLayout.referenceField();

        Mongo(String name) {
            String uri = System.getenv("PURGE_MONGO_URI");
            if (uri == null || uri.isBlank()) {
                server = new MongoServer(new MemoryBackend());
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                InetSocketAddress address = server.getLocalAddress();
                uri = "mongodb://" + address.getAddress().getHostAddress() + ":" + address.getPort();
            } else {
                server = null;
            }
            client = MongoClients.create(uri);
            database = client.getDatabase(name);
            MongoResourceStore store = new MongoResourceStore(client, name, layout);
            store.ensureIndexes(Workload.COMPARTMENT);
            MongoJobRepository jobs = new MongoJobRepository(database, PREFIX);
            jobs.ensureIndexes();
            opened(PurgeStorage.of(store, store, jobs), store);
        }

        @Override
        public void ceilingPurge(List<String> patientIds) {
            List<String> targets = patientIds.stream().map(id -> "Patient/" + id).toList();
            for (String collection : database.listCollectionNames()) {
                String type = layout.typeOfCollection(collection);
                if (type == null) {
                    continue;
                }
                MongoCollection<Document> current = database.getCollection(collection);
                List<Object> ids = new ArrayList<>();
                // The compartment's letter: a reference through one of the type's member parameters.
                List<String> params = Workload.COMPARTMENT.paramsOf(type).stream().map(CompartmentParam::name)
                        .toList();
                Bson filter = type.equals("Patient") ? Filters.in("_id", patientIds)
                        : Filters.elemMatch(layout.referencesField(), Filters.and(Filters.in("p", params),
                                Filters.in("t", targets)));
                current.find(filter).projection(Projections.include("_id")).forEach(d -> ids.add(d.get("_id")));
                if (ids.isEmpty()) {
                    continue;
                }
                for (List<Object> chunk : ResourceKeys.chunks(ids, 500)) {
                    database.getCollection(layout.historyCollectionFor(type))
                            .deleteMany(Filters.in(layout.resourceIdField(), chunk));
                    current.deleteMany(Filters.in("_id", chunk));
                }
            }
        }

        @Override
        public long countRows() {
            long rows = 0;
            for (String collection : database.listCollectionNames()) {
                if (!collection.startsWith(PREFIX) && !collection.startsWith("system.")) {
                    rows += database.getCollection(collection).countDocuments();
                }
            }
            return rows;
        }

        @Override
        public void close() {
            database.drop();
            client.close();
            if (server != null) {
                server.shutdownNow();
            }
        }
    }
}
