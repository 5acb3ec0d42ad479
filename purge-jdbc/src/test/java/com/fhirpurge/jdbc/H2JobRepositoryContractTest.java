package com.fhirpurge.jdbc;

class H2JobRepositoryContractTest extends JdbcJobRepositoryContractTest {

    @Override
    TestDatabase database() {
        return TestDatabase.H2;
    }
}
