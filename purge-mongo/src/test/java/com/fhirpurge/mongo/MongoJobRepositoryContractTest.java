package com.fhirpurge.mongo;

import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.contract.JobRepositoryContract;

/** The job-repository contract; the race test uses a second client, as a second node would. */
class MongoJobRepositoryContractTest extends JobRepositoryContract {

    private TestMongo mongo;

    @Override
    protected JobRepository createRepository() {
        mongo = TestMongo.create("jobs");
        MongoJobRepository repository = new MongoJobRepository(mongo.database(mongo.newClient()), "fp_");
        repository.ensureIndexes();
        return repository;
    }

    @Override
    protected JobRepository createSecondRepository() {
        return new MongoJobRepository(mongo.database(mongo.newClient()), "fp_");
    }

    @Override
    protected void cleanup() {
        if (mongo != null) {
            mongo.close();
        }
    }
}
