package com.fhirpurge.server;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceReader;
import com.fhirpurge.spi.ResourceWriter;

/**
 * The part every storage family shares: one adapter object that writes, reads and erases, the purge service's
 * roles, and a description; subclasses own the connections and close them.
 *
 * @param <S> the adapter's store type, which plays the writing, reading and erasing roles
 */
abstract class StoreServerStorage<S extends ResourceWriter & ResourceReader & ResourceEraser>
        implements ServerStorage {

    private final S store;
    private final PurgeStorage purgeStorage;
    private final String description;

    StoreServerStorage(S store, PurgeStorage purgeStorage, String description) {
        this.store = store;
        this.purgeStorage = purgeStorage;
        this.description = description;
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
}
