package com.fhirpurge.mongo;

class MongoReferenceFieldEngineTest extends MongoEngineTest {

    @Override
    MongoLayout layout() {
        return MongoLayout.referenceField();
    }
}
