package com.fhirpurge.core.memory;

import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.contract.JobRepositoryContract;

class InMemoryJobRepositoryContractTest extends JobRepositoryContract {

    @Override
    protected JobRepository createRepository() {
        return new InMemoryJobRepository();
    }
}
