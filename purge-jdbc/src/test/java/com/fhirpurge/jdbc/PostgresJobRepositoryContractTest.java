package com.fhirpurge.jdbc;

class PostgresJobRepositoryContractTest extends JdbcJobRepositoryContractTest {

    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRES;
    }
}
