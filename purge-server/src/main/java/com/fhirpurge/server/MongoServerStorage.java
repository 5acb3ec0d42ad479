package com.fhirpurge.server;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.mongo.MongoJobRepository;
import com.fhirpurge.mongo.MongoLayout;
import com.fhirpurge.mongo.MongoResourceStore;
import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceReader;
import com.fhirpurge.spi.ResourceWriter;
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
public final class MongoServerStorage implements ServerStorage {

    /** The collection prefix of the job collections. */
    public static final String PREFIX = "fp_";

    private final MongoClient client;
    private final MongoResourceStore store;
    private final PurgeStorage purgeStorage;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MongoServerStorage(MongoClient client, String databaseName, String baseUrl,
                               CompartmentDefinition compartment, String shownServer) {
        this.client = client;
        MongoLayout layout = MongoLayout.builder(MongoLayout.Membership.RAW_JSON).localBaseUrls(baseUrl).build();
        this.store = new MongoResourceStore(client, databaseName, layout);
        MongoJobRepository jobs = new MongoJobRepository(client.getDatabase(databaseName), PREFIX);
        store.ensureIndexes(compartment);
        jobs.ensureIndexes();
        this.purgeStorage = PurgeStorage.of(store, store, jobs);
        this.description = "MongoDB at " + shownServer + ", database " + databaseName
                + (store.usesTransactions() ? " (transactions)" : " (standalone: no transactions)");
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
            return new MongoServerStorage(client, options.mongoDatabase(), baseUrl, compartment,
                    String.join(",", uri.getHosts()));
        } catch (RuntimeException e) {
            client.close();
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
        if (closed.compareAndSet(false, true)) {
            client.close();
        }
    }
}
