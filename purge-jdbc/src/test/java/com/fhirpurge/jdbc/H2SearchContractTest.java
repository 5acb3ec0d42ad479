package com.fhirpurge.jdbc;

class H2SearchContractTest extends JdbcSearchContractTest {

    @Override
    TestDatabase database() {
        return TestDatabase.H2;
    }
}
