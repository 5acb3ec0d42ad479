package com.fhirpurge.jdbc;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.core.testkit.BulkDeleteSuite;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/**
 * The bulk delete suite on the reference schema of one database, each test in a schema of its own; subclasses
 * name the database.
 */
abstract class JdbcBulkDeleteTest extends BulkDeleteSuite {

    private TestDatabase.Instance instance;

    /** The database to run on. */
    abstract TestDatabase database();

    @Override
    protected Fixture newFixture() {
        instance = database().create("bulk");
        return referenceStore(instance);
    }

    /** The reference schema and the job schema in a fresh database instance, with every role. */
    static Fixture referenceStore(TestDatabase.Instance instance) {
        DataSource pool = instance.newPool(4);
        JdbcSchema.createReferenceSchema(pool, instance.dialect(), "fp_");
        JdbcSchema.createJobSchema(pool, instance.dialect(), "fp_");
        JdbcResourceStore store = new JdbcResourceStore(pool, JdbcLayout.referenceSchema("fp_"), instance.dialect());
        return new Fixture(PurgeStorage.of(store, store, new JdbcJobRepository(pool, instance.dialect(), "fp_")),
                store, store);
    }

    @AfterEach
    void dropSchema() {
        if (instance != null) {
            instance.close();
        }
    }
}
