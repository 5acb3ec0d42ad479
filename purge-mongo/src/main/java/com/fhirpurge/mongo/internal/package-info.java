/** Internals of the MongoDB adapter: transactions and exception translation. Not a public API. */
package com.fhirpurge.mongo.internal;
