package com.fhirpurge.mongo;

import com.fhirpurge.core.testkit.BulkDeleteSuite;
import com.fhirpurge.core.testkit.PolicySuite;
import org.junit.jupiter.api.AfterEach;

/** The dry run and policy suite on one Mongo layout; subclasses name the layout. */
abstract class MongoPolicyTest extends PolicySuite {

    private TestMongo mongo;

    /** The layout to run on. */
    abstract MongoLayout layout();

    @Override
    protected BulkDeleteSuite.Fixture newFixture() {
        mongo = TestMongo.create("policy");
        return MongoBulkDeleteTest.store(mongo, layout());
    }

    @AfterEach
    void dropDatabase() {
        if (mongo != null) {
            mongo.close();
        }
    }
}
