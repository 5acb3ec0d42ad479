package com.fhirpurge.mongo;

import static com.fhirpurge.spi.contract.TestResources.PATIENT_COMPARTMENT;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.core.testkit.BulkDeleteSuite;
import com.mongodb.client.MongoClient;
import org.junit.jupiter.api.AfterEach;

/**
 * The bulk delete suite on one layout (the wire server, or {@code PURGE_MONGO_URI}), each test in a database of its
 * own; subclasses name the layout.
 */
abstract class MongoBulkDeleteTest extends BulkDeleteSuite {

    private TestMongo mongo;

    /** The layout to run on. */
    abstract MongoLayout layout();

    @Override
    protected Fixture newFixture() {
        mongo = TestMongo.create("bulk");
        return store(mongo, layout());
    }

    /** A store of the layout and a job repository in a fresh database, with every role. */
    static Fixture store(TestMongo mongo, MongoLayout layout) {
        MongoClient client = mongo.newClient();
        MongoResourceStore store = new MongoResourceStore(client, mongo.databaseName(), layout);
        store.ensureIndexes(PATIENT_COMPARTMENT);
        MongoJobRepository jobs = new MongoJobRepository(mongo.database(client), "fp_");
        jobs.ensureIndexes();
        return new Fixture(PurgeStorage.of(store, store, jobs), store, store);
    }

    @AfterEach
    void dropDatabase() {
        if (mongo != null) {
            mongo.close();
        }
    }
}
