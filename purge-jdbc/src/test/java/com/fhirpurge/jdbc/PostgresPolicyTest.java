package com.fhirpurge.jdbc;

class PostgresPolicyTest extends JdbcPolicyTest {

    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRES;
    }
}
