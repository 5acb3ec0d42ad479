package com.fhirpurge.spi;

/** The kinds of search parameter a bulk delete's criteria may use, after validation by the core. */
public enum SearchParamType {
    /** {@code _id}: the logical id. */
    ID,
    /** {@code _lastUpdated}: the current version's {@code meta.lastUpdated}. */
    LAST_UPDATED,
    /** A FHIR {@code string} parameter, e.g. {@code Patient.name}. */
    STRING,
    /** A FHIR {@code token} parameter, e.g. {@code Observation.code}. */
    TOKEN,
    /** A FHIR {@code date} parameter, e.g. {@code Patient.birthdate}. */
    DATE,
    /** A FHIR {@code reference} parameter, e.g. {@code Observation.subject}. */
    REFERENCE
}
