package com.fhirpurge.core;

import java.util.Objects;

/**
 * The write fence's answer: a patient whose compartment is being purged, and the job purging it. A host that gets
 * one for a write refuses the write (the reference server answers 409 with an OperationOutcome naming both).
 *
 * @param patientId the patient
 * @param jobId     the job with work left for that patient
 */
public record PurgeInProgress(String patientId, String jobId) {

    /**
     * Validates.
     *
     * @param patientId see {@link #patientId()}
     * @param jobId     see {@link #jobId()}
     */
    public PurgeInProgress {
        Objects.requireNonNull(patientId, "patientId");
        Objects.requireNonNull(jobId, "jobId");
    }
}
