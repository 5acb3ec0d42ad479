package com.fhirpurge.jdbc;

class H2SearchIndexTest extends JdbcSearchIndexTest {

    @Override
    TestDatabase database() {
        return TestDatabase.H2;
    }
}
