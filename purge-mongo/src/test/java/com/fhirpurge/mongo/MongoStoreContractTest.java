package com.fhirpurge.mongo;

import static com.fhirpurge.spi.contract.TestResources.PATIENT_COMPARTMENT;

import com.fhirpurge.spi.contract.FaultInjector;
import com.fhirpurge.spi.contract.ResourceStoreContract;
import java.util.Optional;

/**
 * The resource-store contract on one layout; subclasses only name it. Each test gets its own database, dropped
 * afterwards. The store gets a client that can inject a fault, so the atomicity test runs too: atomic on a replica
 * set (transactions), ordered and retryable on the wire server and on a standalone server.
 */
abstract class MongoStoreContractTest extends ResourceStoreContract {

    private TestMongo mongo;
    private FaultyMongo faulty;
    private MongoResourceStore store;

    /** The layout to run on. */
    abstract MongoLayout layout();

    @Override
    protected Store createStore() {
        mongo = TestMongo.create("store");
        faulty = new FaultyMongo(mongo.newClient());
        store = new MongoResourceStore(faulty.client(), mongo.databaseName(), layout());
        store.ensureIndexes(PATIENT_COMPARTMENT);
        return new Store(store, store, store, store);
    }

    @Override
    protected void cleanup() {
        if (mongo != null) {
            mongo.close();
        }
    }

    @Override
    protected Optional<FaultInjector> faultInjector() {
        return Optional.of(new FaultInjector() {
            @Override
            public void failNextEraseMidway() {
                faulty.failAfter(1);
            }

            @Override
            public boolean atomicBatches() {
                return store.usesTransactions();
            }
        });
    }
}
