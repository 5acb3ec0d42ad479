package com.fhirpurge.mongo;

/** The search contract on the raw FHIR JSON layout with default names. */
class MongoRawJsonSearchContractTest extends MongoSearchContractTest {

    @Override
    MongoLayout layout() {
        return MongoLayout.rawJson();
    }
}
