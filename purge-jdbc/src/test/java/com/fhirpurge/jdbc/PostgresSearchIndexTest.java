package com.fhirpurge.jdbc;

class PostgresSearchIndexTest extends JdbcSearchIndexTest {

    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRES;
    }
}
