package com.fhirpurge.jdbc;

class MariaDbSearchIndexTest extends JdbcSearchIndexTest {

    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
