package com.fhirpurge.jdbc;

import com.fhirpurge.core.testkit.BulkDeleteSuite;
import com.fhirpurge.core.testkit.PolicySuite;
import org.junit.jupiter.api.AfterEach;

/** The dry run and policy suite on the reference schema of each database. */
abstract class JdbcPolicyTest extends PolicySuite {

    private TestDatabase.Instance instance;

    /** The database to run on. */
    abstract TestDatabase database();

    @Override
    protected BulkDeleteSuite.Fixture newFixture() {
        instance = database().create("policy");
        return JdbcBulkDeleteTest.referenceStore(instance);
    }

    @AfterEach
    void dropSchema() {
        if (instance != null) {
            instance.close();
        }
    }
}
