package com.fhirpurge.core;

/**
 * What a patient purge does with a member of the patient's compartment that is also in another patient's
 * compartment: a {@code Group} of several patients, an {@code Observation} of another patient performed by this one,
 * another patient's {@code Patient} that links to this one.
 */
public enum SharedResourcePolicy {

    /** Erase it: the compartment definition's letter (the default). */
    DELETE("delete"),

    /**
     * Keep it, and list it in the patient's status ({@code keptSharedResourcesCount}, {@code keptSharedResource}).
     * Each member's own references are read to decide, so a purge with this policy reads every member once per pass.
     */
    KEEP_SHARED("keep");

    private final String code;

    SharedResourcePolicy(String code) {
        this.code = code;
    }

    /**
     * The code of the kick-off parameter {@code sharedResources}.
     *
     * @return e.g. {@code keep}
     */
    public String code() {
        return code;
    }

    /**
     * The policy of a code.
     *
     * @param code {@code delete} or {@code keep}
     * @return the policy
     * @throws IllegalArgumentException for another code
     */
    public static SharedResourcePolicy ofCode(String code) {
        for (SharedResourcePolicy p : values()) {
            if (p.code.equals(code)) {
                return p;
            }
        }
        throw new IllegalArgumentException("Unknown shared-resource policy '" + code + "'");
    }
}
