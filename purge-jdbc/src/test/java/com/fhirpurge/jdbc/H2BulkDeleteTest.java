package com.fhirpurge.jdbc;

class H2BulkDeleteTest extends JdbcBulkDeleteTest {

    @Override
    TestDatabase database() {
        return TestDatabase.H2;
    }
}
