package com.fhirpurge.core.memory;

import com.fhirpurge.spi.contract.FaultInjector;
import com.fhirpurge.spi.contract.ResourceStoreContract;
import java.util.Optional;

class InMemoryResourceStoreContractTest extends ResourceStoreContract {

    private InMemoryResourceStore store;

    @Override
    protected Store createStore() {
        store = new InMemoryResourceStore();
        return new Store(store, store, store, store);
    }

    @Override
    protected Optional<FaultInjector> faultInjector() {
        return Optional.of(new FaultInjector() {
            @Override
            public void failNextEraseMidway() {
                store.failNextEraseMidway();
            }

            @Override
            public boolean atomicBatches() {
                return true;
            }
        });
    }
}
