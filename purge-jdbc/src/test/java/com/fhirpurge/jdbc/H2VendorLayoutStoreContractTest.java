package com.fhirpurge.jdbc;

class H2VendorLayoutStoreContractTest extends JdbcStoreContractTest {

    @Override
    TestDatabase database() {
        return TestDatabase.H2;
    }

    @Override
    boolean vendorLayout() {
        return true;
    }
}
