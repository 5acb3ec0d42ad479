package com.fhirpurge.mongo;

class MongoRawJsonEngineTest extends MongoEngineTest {

    @Override
    MongoLayout layout() {
        return MongoLayout.rawJson();
    }
}
