package com.fhirpurge.jdbc;

class PostgresEngineTest extends JdbcEngineTest {

    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRES;
    }
}
