package com.fhirpurge.jdbc;

class MariaDbPolicyTest extends JdbcPolicyTest {

    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
