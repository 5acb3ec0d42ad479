package com.fhirpurge.jdbc;

class MariaDbReferenceStoreContractTest extends JdbcStoreContractTest {

    @Override
    TestDatabase database() {
        return TestDatabase.MARIADB;
    }

    @Override
    boolean vendorLayout() {
        return false;
    }
}
