package com.fhirpurge.core;

import java.util.List;
import java.util.Objects;

/**
 * A request to purge the Patient compartments of one or more patients.
 *
 * @param patientIds  the patients, in the order their status is reported; duplicates are dropped, ids must follow
 *                    the FHIR id rule {@code [A-Za-z0-9\-\.]{1,64}}
 * @param requestedBy who asks (from the caller's verified identity), {@code null} when unknown; kept with the job
 */
public record PurgeRequest(List<String> patientIds, String requestedBy) {

    /**
     * Copies. Validation happens at submission, where it can report every problem at once.
     *
     * @param patientIds see {@link #patientIds()}
     * @param requestedBy see {@link #requestedBy()}
     */
    public PurgeRequest {
        Objects.requireNonNull(patientIds, "patientIds");
        patientIds = List.copyOf(patientIds);
    }

    /**
     * A request for some patients, requester unknown.
     *
     * @param patientIds the patient ids
     * @return the request
     */
    public static PurgeRequest of(String... patientIds) {
        return new PurgeRequest(List.of(patientIds), null);
    }
}
