package com.fhirpurge.core.internal;

/** The names of the parameters a patient purge job keeps (JobRecord.parameters). */
public final class JobParameters {

    /** Why the purge was asked for; kept in every patient's erasure record. */
    public static final String REASON = "reason";
    /** The outside-reference policy's code, when not the default. */
    public static final String OUTSIDE_REFERENCES = "outsideReferences";
    /** The shared-resource policy's code, when not the default. */
    public static final String SHARED_RESOURCES = "sharedResources";

    private JobParameters() {
    }
}
