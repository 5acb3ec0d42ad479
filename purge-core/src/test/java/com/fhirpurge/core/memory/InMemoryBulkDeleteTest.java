package com.fhirpurge.core.memory;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.core.testkit.BulkDeleteSuite;

/** The bulk delete suite on the in-memory store, the reference semantics the adapters are held to. */
class InMemoryBulkDeleteTest extends BulkDeleteSuite {

    @Override
    protected Fixture newFixture() {
        InMemoryResourceStore store = new InMemoryResourceStore();
        return new Fixture(PurgeStorage.of(store, store, new InMemoryJobRepository()), store, store);
    }
}
