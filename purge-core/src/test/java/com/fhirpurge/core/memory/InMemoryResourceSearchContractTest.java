package com.fhirpurge.core.memory;

import com.fhirpurge.spi.contract.ResourceSearchContract;

class InMemoryResourceSearchContractTest extends ResourceSearchContract {

    @Override
    protected Store createStore() {
        InMemoryResourceStore store = new InMemoryResourceStore();
        return new Store(store, store, store);
    }
}
