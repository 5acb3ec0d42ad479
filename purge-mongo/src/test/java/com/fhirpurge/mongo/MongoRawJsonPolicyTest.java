package com.fhirpurge.mongo;

class MongoRawJsonPolicyTest extends MongoPolicyTest {

    @Override
    MongoLayout layout() {
        return MongoLayout.rawJson();
    }
}
