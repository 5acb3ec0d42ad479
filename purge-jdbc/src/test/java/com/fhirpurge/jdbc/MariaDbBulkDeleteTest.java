package com.fhirpurge.jdbc;

class MariaDbBulkDeleteTest extends JdbcBulkDeleteTest {

    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
