package com.fhirpurge.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A request to purge the Patient compartments of one or more patients.
 *
 * @param patientIds  the patients, in the order their status is reported; duplicates are dropped, ids must follow
 *                    the FHIR id rule {@code [A-Za-z0-9\-\.]{1,64}}
 * @param requestedBy who asks (from the caller's verified identity), {@code null} when unknown; kept with the job
 * @param reason      why (e.g. "GDPR art. 17 request 2026-118"), at most 1,024 characters, {@code null} when none;
 *                    kept with the job and in every patient's erasure record
 * @param outsideReferences what to do about references into the compartments from outside; {@code null} means
 *                    {@link OutsideReferencePolicy#LEAVE}
 * @param sharedResources what to do with members also in other patients' compartments; {@code null} means
 *                    {@link SharedResourcePolicy#DELETE}
 */
public record PurgeRequest(List<String> patientIds, String requestedBy, String reason,
                           OutsideReferencePolicy outsideReferences, SharedResourcePolicy sharedResources) {

    /** The longest reason accepted. */
    public static final int MAX_REASON_LENGTH = 1024;

    /**
     * Copies (a {@code null} id is kept, to be refused at submission with the other problems).
     *
     * @param patientIds see {@link #patientIds()}
     * @param requestedBy see {@link #requestedBy()}
     * @param reason see {@link #reason()}
     * @param outsideReferences see {@link #outsideReferences()}
     * @param sharedResources see {@link #sharedResources()}
     */
    public PurgeRequest {
        Objects.requireNonNull(patientIds, "patientIds");
        patientIds = Collections.unmodifiableList(new ArrayList<>(patientIds));
        outsideReferences = outsideReferences == null ? OutsideReferencePolicy.LEAVE : outsideReferences;
        sharedResources = sharedResources == null ? SharedResourcePolicy.DELETE : sharedResources;
    }

    /**
     * A request with the default policies.
     *
     * @param patientIds  see {@link #patientIds()}
     * @param requestedBy see {@link #requestedBy()}
     * @param reason      see {@link #reason()}
     */
    public PurgeRequest(List<String> patientIds, String requestedBy, String reason) {
        this(patientIds, requestedBy, reason, OutsideReferencePolicy.LEAVE, SharedResourcePolicy.DELETE);
    }

    /**
     * A request without a reason.
     *
     * @param patientIds  see {@link #patientIds()}
     * @param requestedBy see {@link #requestedBy()}
     */
    public PurgeRequest(List<String> patientIds, String requestedBy) {
        this(patientIds, requestedBy, null, OutsideReferencePolicy.LEAVE, SharedResourcePolicy.DELETE);
    }

    /**
     * A copy with another outside-reference policy.
     *
     * @param policy the policy
     * @return the new request
     */
    public PurgeRequest withOutsideReferences(OutsideReferencePolicy policy) {
        return new PurgeRequest(patientIds, requestedBy, reason, policy, sharedResources);
    }

    /**
     * A copy with another shared-resource policy.
     *
     * @param policy the policy
     * @return the new request
     */
    public PurgeRequest withSharedResources(SharedResourcePolicy policy) {
        return new PurgeRequest(patientIds, requestedBy, reason, outsideReferences, policy);
    }

    /**
     * A request for some patients, requester unknown.
     *
     * @param patientIds the patient ids
     * @return the request
     */
    public static PurgeRequest of(String... patientIds) {
        return new PurgeRequest(Arrays.asList(patientIds), null);
    }
}
