package com.fhirpurge.jdbc;

class PostgresVendorLayoutStoreContractTest extends JdbcStoreContractTest {

    @Override
    TestDatabase database() {
        return TestDatabase.POSTGRES;
    }

    @Override
    boolean vendorLayout() {
        return true;
    }
}
