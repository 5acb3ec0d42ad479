package com.fhirpurge.jdbc;

class MariaDbVendorLayoutStoreContractTest extends JdbcStoreContractTest {

    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }

    @Override
    boolean vendorLayout() {
        return true;
    }
}
