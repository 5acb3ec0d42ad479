package com.fhirpurge.mongo;

/** The search contract on the reference-field layout with custom collection and field names. */
class MongoReferenceFieldSearchContractTest extends MongoSearchContractTest {

    @Override
    MongoLayout layout() {
        return MongoLayout.builder(MongoLayout.Membership.REFERENCE_FIELD).collectionPattern("fhir_{type}")
                .historyCollectionPattern("fhir_{type}_versions").referencesField("refIndex")
                .stringIndexField("strIndex").tokenIndexField("tokIndex").dateIndexField("dateIndex").build();
    }
}
