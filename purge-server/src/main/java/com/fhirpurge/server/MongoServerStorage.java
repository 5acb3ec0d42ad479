package com.fhirpurge.server;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.mongo.MongoJobRepository;
import com.fhirpurge.mongo.MongoLayout;
import com.fhirpurge.mongo.MongoResourceStore;
import com.fhirpurge.spi.CompartmentDefinition;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The MongoDB adapter: resources as raw FHIR JSON (the {@link MongoLayout#rawJson()} layout, with the server's base
 * URL as its local base) and the jobs in the collections with prefix {@value #PREFIX}, all in the database of
 * {@code --mongo-database}. The indexes are ensured at start-up; {@link #close()} closes the client.
 *
 * <p>On a replica set or sharded cluster every erasure batch runs in a transaction; on a standalone server the
 * adapter's idempotent write order keeps a crash recoverable (see {@link MongoResourceStore}).
 */
public final class MongoServerStorage extends StoreServerStorage<MongoResourceStore> {

    /** The collection prefix of the job collections. */
    public static final String PREFIX = "fp_";

    private final MongoClient client;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MongoServerStorage(MongoClient client, MongoResourceStore store, MongoJobRepository jobs,
                               String description) {
        super(store, PurgeStorage.of(store, store, jobs), description);
        this.client = client;
    }

    private static MongoServerStorage prepare(MongoClient client, String databaseName, String baseUrl,
                                              CompartmentDefinition compartment, String shownServer) {
        MongoLayout layout = MongoLayout.builder(MongoLayout.Membership.RAW_JSON).localBaseUrls(baseUrl).build();
        MongoResourceStore store = new MongoResourceStore(client, databaseName, layout);
        MongoJobRepository jobs = new MongoJobRepository(client.getDatabase(databaseName), PREFIX);
        store.ensureIndexes(compartment);
        jobs.ensureIndexes();
        return new MongoServerStorage(client, store, jobs, "MongoDB at " + shownServer + ", database " + databaseName
                + (store.usesTransactions() ? " (transactions)" : " (standalone: no transactions)"));
    }

    /**
     * Connects to the MongoDB of the options and ensures the indexes.
     *
     * @param options     {@code --mongo-uri} and {@code --mongo-database}
     * @param baseUrl     the server's FHIR base URL; absolute references under it count as local
     * @param compartment the compartment the purge service erases
     * @return the storage
     * @throws IllegalArgumentException         when the options have no {@code --mongo-uri}, or it cannot be parsed
     * @throws com.fhirpurge.spi.StoreException when the server cannot be reached or the indexes cannot be created
     */
    public static MongoServerStorage open(ServerOptions options, String baseUrl, CompartmentDefinition compartment) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(compartment, "compartment");
        if (options.mongoUri() == null) {
            throw new IllegalArgumentException("No --mongo-uri");
        }
        ConnectionString uri = new ConnectionString(options.mongoUri());
        MongoClient client = MongoClients.create(MongoClientSettings.builder().applyConnectionString(uri)
                .applicationName("purge-server").build());
        try {
            // hosts only: the connection string may carry credentials
            return prepare(client, options.mongoDatabase(), baseUrl, compartment, String.join(",", uri.getHosts()));
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            client.close();
        }
    }
}
