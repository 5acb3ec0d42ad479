package com.fhirpurge.mongo;

/** The contract on raw FHIR JSON, membership by element path. */
class MongoRawJsonStoreContractTest extends MongoStoreContractTest {

    @Override
    MongoLayout layout() {
        return MongoLayout.rawJson();
    }
}
