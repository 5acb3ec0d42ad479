package com.fhirpurge.jdbc;

class H2PolicyTest extends JdbcPolicyTest {

    @Override
    TestDatabase database() {
        return TestDatabase.H2;
    }
}
