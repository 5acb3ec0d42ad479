package com.fhirpurge.jdbc;

class MariaDbJobRepositoryContractTest extends JdbcJobRepositoryContractTest {

    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
