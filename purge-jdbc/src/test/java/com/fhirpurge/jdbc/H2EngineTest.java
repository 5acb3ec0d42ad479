package com.fhirpurge.jdbc;

class H2EngineTest extends JdbcEngineTest {

    @Override
    TestDatabase database() {
        return TestDatabase.H2;
    }
}
