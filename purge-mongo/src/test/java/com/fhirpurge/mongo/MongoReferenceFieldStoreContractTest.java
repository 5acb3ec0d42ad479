package com.fhirpurge.mongo;

class MongoReferenceFieldStoreContractTest extends MongoStoreContractTest {

    @Override
    MongoLayout layout() {
        return MongoLayout.builder(MongoLayout.Membership.REFERENCE_FIELD).collectionPattern("fhir_{type}")
                .historyCollectionPattern("fhir_{type}_versions").referencesField("refIndex").build();
    }
}
