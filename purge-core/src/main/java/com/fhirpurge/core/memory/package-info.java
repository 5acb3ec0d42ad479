/**
 * In-memory implementations of every SPI role, for tests and prototyping. They pass the same contract suite as the
 * database adapters. Everything is held on the heap, so they are not for production data volumes.
 */
package com.fhirpurge.core.memory;
