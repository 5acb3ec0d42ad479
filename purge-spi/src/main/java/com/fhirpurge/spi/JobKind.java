package com.fhirpurge.spi;

/** The kind of a job, which decides what its tasks do. */
public enum JobKind {
    /** Hard delete of Patient compartments; one task per patient. */
    PATIENT_PURGE,
    /** Delete by search criteria; one task per resource type. */
    BULK_DELETE
}
