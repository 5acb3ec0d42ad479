package com.fhirpurge.jdbc;

class PostgresBulkDeleteTest extends JdbcBulkDeleteTest {

    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRES;
    }
}
