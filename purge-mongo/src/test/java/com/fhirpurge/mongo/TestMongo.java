package com.fhirpurge.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One isolated database for one test, and the clients opened on it. The server is the real MongoDB at
 * {@code PURGE_MONGO_URI} when that variable is set, else one in-process wire-protocol server
 * ({@code mongo-java-server}, in-memory backend) on a random loopback port, shared by the tests of this JVM. Each
 * instance uses its own database name and drops it on {@link #close()}.
 */
final class TestMongo implements AutoCloseable {

    private static String sharedUri;

    private final String uri;
    private final String databaseName;
    private final List<MongoClient> clients = new ArrayList<>();

    private TestMongo(String uri, String databaseName) {
        this.uri = uri;
        this.databaseName = databaseName;
    }

    /**
     * Creates an isolated database on the test server.
     *
     * @param label a readable part of the database name
     * @return the instance
     */
    static TestMongo create(String label) {
        return on(serverUri(), label);
    }

    /**
     * Creates an isolated database on a given server.
     *
     * @param uri   the connection string
     * @param label a readable part of the database name
     * @return the instance
     */
    static TestMongo on(String uri, String label) {
        return new TestMongo(uri, "fp_" + label + "_" + UUID.randomUUID().toString().substring(0, 8));
    }

    /**
     * The server the tests run on: {@code PURGE_MONGO_URI}, or the in-process server, started on first use.
     *
     * @return the connection string
     */
    static synchronized String serverUri() {
        String env = System.getenv("PURGE_MONGO_URI");
        if (env != null && !env.isBlank()) {
            return env;
        }
        if (sharedUri == null) {
            MongoServer server = new MongoServer(new MemoryBackend());
            InetSocketAddress address = server.bind();
            sharedUri = "mongodb://" + address.getHostString() + ":" + address.getPort();
        }
        return sharedUri;
    }

    /**
     * Whether the tests run against the in-process wire server (no transactions there).
     *
     * @return {@code true} unless {@code PURGE_MONGO_URI} is set
     */
    static boolean inProcess() {
        String env = System.getenv("PURGE_MONGO_URI");
        return env == null || env.isBlank();
    }

    /**
     * A new client (each node of a cluster test gets its own).
     *
     * @return the client, closed with this instance
     */
    synchronized MongoClient newClient() {
        MongoClient client = MongoClients.create(uri);
        clients.add(client);
        return client;
    }

    /**
     * This instance's database on a client.
     *
     * @param client a client of this instance
     * @return the database
     */
    MongoDatabase database(MongoClient client) {
        return client.getDatabase(databaseName);
    }

    /**
     * The database name.
     *
     * @return the name
     */
    String databaseName() {
        return databaseName;
    }

    @Override
    public synchronized void close() {
        try (MongoClient admin = MongoClients.create(uri)) {
            admin.getDatabase(databaseName).drop();
        } finally {
            clients.forEach(MongoClient::close);
            clients.clear();
        }
    }
}
