package com.fhirpurge.jdbc;

import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.contract.JobRepositoryContract;

/** The job-repository contract on one database; the race test uses a second pool, as a second node would. */
abstract class JdbcJobRepositoryContractTest extends JobRepositoryContract {

    private TestDatabase.Instance instance;

    /** The database to run on. */
    abstract TestDatabase database();

    @Override
    protected JobRepository createRepository() {
        instance = database().create("jobs");
        JdbcSchema.createJobSchema(instance.newPool(2), instance.dialect(), "fp_");
        return new JdbcJobRepository(instance.newPool(4), instance.dialect(), "fp_");
    }

    @Override
    protected JobRepository createSecondRepository() {
        return new JdbcJobRepository(instance.newPool(4), instance.dialect(), "fp_");
    }

    @Override
    protected void cleanup() {
        if (instance != null) {
            instance.close();
        }
    }
}
