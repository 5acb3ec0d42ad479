package com.fhirpurge.mongo;

class MongoReferenceFieldBulkDeleteTest extends MongoBulkDeleteTest {

    @Override
    MongoLayout layout() {
        return MongoLayout.referenceField();
    }
}
