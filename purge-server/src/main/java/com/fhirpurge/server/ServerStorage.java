package com.fhirpurge.server;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceReader;
import com.fhirpurge.spi.ResourceWriter;

/**
 * The storage the server runs on: the roles the purge service needs plus the writing, reading and soft-delete roles
 * the FHIR REST API needs. One implementation per storage family, {@link JdbcServerStorage} and
 * {@link MongoServerStorage}, chosen by {@link #open(ServerOptions, String, CompartmentDefinition)}.
 */
public interface ServerStorage extends AutoCloseable {

    /**
     * The roles for {@link com.fhirpurge.core.PurgeService}.
     *
     * @return finder, eraser and job repository
     */
    PurgeStorage purgeStorage();

    /**
     * The writing role of the REST API (create, update, Bundles).
     *
     * @return the writer
     */
    ResourceWriter writer();

    /**
     * The reading role of the REST API (read, history).
     *
     * @return the reader
     */
    ResourceReader reader();

    /**
     * The erasing role; the REST API's {@code DELETE} soft-deletes with it.
     *
     * @return the eraser
     */
    ResourceEraser eraser();

    /**
     * A one-line description for the start-up log, without credentials.
     *
     * @return e.g. {@code H2 at jdbc:h2:file:./data/fhir-purge}
     */
    String describe();

    /** Releases connections. Idempotent. */
    @Override
    void close();

    /**
     * Opens the storage the options select: MongoDB at {@code --mongo-uri}, else the database of
     * {@code --jdbc-url}, else embedded H2 in {@code --data-dir}. Creates the schema or the indexes if needed.
     *
     * @param options     the options
     * @param baseUrl     the server's FHIR base URL: absolute references under it are local (MongoDB membership)
     * @param compartment the compartment the purge service erases, whose membership queries need indexes
     * @return the opened storage
     * @throws com.fhirpurge.spi.StoreException when the database cannot be reached or prepared
     */
    static ServerStorage open(ServerOptions options, String baseUrl, CompartmentDefinition compartment) {
        if (options.mongoUri() != null) {
            return MongoServerStorage.open(options, baseUrl, compartment);
        }
        return JdbcServerStorage.open(options);
    }
}
