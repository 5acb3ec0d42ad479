package com.fhirpurge.core.memory;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.core.testkit.BulkDeleteSuite;
import com.fhirpurge.core.testkit.PolicySuite;

class InMemoryPolicyTest extends PolicySuite {

    @Override
    protected BulkDeleteSuite.Fixture newFixture() {
        InMemoryResourceStore store = new InMemoryResourceStore();
        return new BulkDeleteSuite.Fixture(PurgeStorage.of(store, store, new InMemoryJobRepository()), store, store);
    }
}
