package com.fhirpurge.jdbc;

class PostgresSearchContractTest extends JdbcSearchContractTest {

    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRES;
    }
}
