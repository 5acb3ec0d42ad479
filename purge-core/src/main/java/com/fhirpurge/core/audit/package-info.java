/**
 * Ready {@link com.fhirpurge.spi.ErasureAudit} implementations: an R4 {@code AuditEvent} per patient purge written
 * into the store, and a log line per patient purge.
 */
package com.fhirpurge.core.audit;
