/**
 * The storage SPI of fhir-purge: what a FHIR server vendor implements so the purge engine can erase
 * data from its store.
 *
 * <p>Storage is split by role, each a small interface:
 * <ul>
 *   <li>{@link com.fhirpurge.spi.ResourceFinder}: which resources are in scope (compartment members, paged and
 *       restartable; counts; outside referrers).</li>
 *   <li>{@link com.fhirpurge.spi.ResourceEraser}: erase a batch (hard delete, soft delete, purge history),
 *       atomically per batch and idempotently.</li>
 *   <li>{@link com.fhirpurge.spi.ResourceWriter} and {@link com.fhirpurge.spi.ResourceReader}: optional roles
 *       of reference stores, used by tests, benchmarks, verification and the reference server.</li>
 *   <li>{@link com.fhirpurge.spi.JobRepository}: jobs, tasks and fenced leases, safe with many nodes on one
 *       database.</li>
 *   <li>{@link com.fhirpurge.spi.ErasureListener}: told after each committed batch, to erase the same ids from
 *       side stores.</li>
 * </ul>
 *
 * <p>Only records, enums, {@code java.time} types and JDK collections cross this boundary; the package depends on
 * the JDK alone. Every failure is reported as a subclass of {@link com.fhirpurge.spi.PurgeException}. The abstract
 * contract suite in this module's test-jar defines, test by test, what a correct implementation of each role does.
 */
package com.fhirpurge.spi;
