package com.fhirpurge.mongo;

class MongoReferenceFieldPolicyTest extends MongoPolicyTest {

    @Override
    MongoLayout layout() {
        return MongoLayout.referenceField();
    }
}
