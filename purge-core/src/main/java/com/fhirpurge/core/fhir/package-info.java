/**
 * The FHIR R4 wire layer of the purge engine, built on HAPI FHIR: the Patient compartment as data
 * ({@link com.fhirpurge.core.fhir.PatientCompartment}), reference index extraction
 * ({@link com.fhirpurge.core.fhir.ReferenceExtractor}), the {@code $bulk-purge} kick-off parser
 * ({@link com.fhirpurge.core.fhir.PurgeRequestParser}) and the status and OperationOutcome renderers
 * ({@link com.fhirpurge.core.fhir.StatusRenderer}, {@link com.fhirpurge.core.fhir.OperationOutcomes}).
 *
 * <p>Every class takes a shared {@code FhirContext} (R4) and is thread-safe after construction.
 */
package com.fhirpurge.core.fhir;
