package com.fhirpurge.jdbc;

class MariaDbSearchContractTest extends JdbcSearchContractTest {

    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
