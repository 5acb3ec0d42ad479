package com.fhirpurge.mongo;

import static com.fhirpurge.spi.contract.TestResources.PATIENT_COMPARTMENT;

import com.fhirpurge.spi.contract.ResourceSearchContract;

/**
 * The search contract on one layout; subclasses only name it. Each test gets its own database, dropped afterwards.
 */
abstract class MongoSearchContractTest extends ResourceSearchContract {

    private TestMongo mongo;

    /** The layout to run on. */
    abstract MongoLayout layout();

    @Override
    protected Store createStore() {
        mongo = TestMongo.create("search");
        MongoResourceStore store = new MongoResourceStore(mongo.newClient(), mongo.databaseName(), layout());
        store.ensureIndexes(PATIENT_COMPARTMENT);
        return new Store(store, store, store);
    }

    @Override
    protected void cleanup() {
        if (mongo != null) {
            mongo.close();
        }
    }
}
