package com.fhirpurge.jdbc;

import com.fhirpurge.spi.contract.ResourceSearchContract;

/**
 * The search contract on one database with the reference schema; subclasses only name the database. Each test gets
 * its own schema (or database) and drops it afterwards.
 */
abstract class JdbcSearchContractTest extends ResourceSearchContract {

    private TestDatabase.Instance instance;

    /** The database to run on. */
    abstract TestDatabase database();

    @Override
    protected Store createStore() {
        instance = database().create("search");
        JdbcDialect dialect = instance.dialect();
        var pool = instance.newPool(4);
        JdbcSchema.createReferenceSchema(pool, dialect, "fp_");
        JdbcResourceStore store = new JdbcResourceStore(pool, JdbcLayout.referenceSchema("fp_"), dialect);
        return new Store(store, store, store);
    }

    @Override
    protected void cleanup() {
        if (instance != null) {
            instance.close();
        }
    }
}
