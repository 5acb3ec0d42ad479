package com.fhirpurge.jdbc;

class MariaDbEngineTest extends JdbcEngineTest {

    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
