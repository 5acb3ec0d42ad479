/**
 * The MongoDB adapter: every storage role of the SPI on MongoDB, with the official synchronous driver.
 *
 * <p>{@link com.fhirpurge.mongo.MongoResourceStore} finds, erases, writes and reads resources in the collections a
 * {@link com.fhirpurge.mongo.MongoLayout} describes: raw FHIR JSON queried at the compartment's element paths, or a
 * reference field written at write time. {@link com.fhirpurge.mongo.MongoJobRepository} keeps jobs, tasks and
 * fenced leases in two collections and is safe with many nodes on one deployment. Batches run in a transaction
 * where the deployment has them (replica set, sharded cluster, detected once); on a standalone server the writes of
 * a batch are ordered and idempotent instead. Every value is a query value, never query text: ids are compared with
 * equality or, inside a regular expression, escaped character by character; every collection and field name comes
 * from the layout and is validated against a strict pattern.
 */
package com.fhirpurge.mongo;
