package com.fhirpurge.mongo;

class MongoRawJsonBulkDeleteTest extends MongoBulkDeleteTest {

    @Override
    MongoLayout layout() {
        return MongoLayout.rawJson();
    }
}
