package com.fhirpurge.jdbc;

class PostgresReferenceStoreContractTest extends JdbcStoreContractTest {

    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRES;
    }

    @Override
    boolean vendorLayout() {
        return false;
    }
}
