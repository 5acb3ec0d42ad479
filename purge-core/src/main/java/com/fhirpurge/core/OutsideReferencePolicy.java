package com.fhirpurge.core;

/**
 * What a patient purge does about resources outside the patient's compartment that reference a resource it is about
 * to erase (a Practitioner's {@code List} naming one of the patient's Observations, another patient's
 * {@code Observation} whose {@code focus} is the patient's {@code Encounter}).
 */
public enum OutsideReferencePolicy {

    /** Erase anyway and leave the references dangling, as the compartment definition's letter does (the default). */
    LEAVE("leave"),

    /**
     * Look first: when anything outside references into the compartment, the patient's purge ends in error listing
     * the referrers, and nothing of that patient is erased. Checked once, before the first batch, by reading the whole
     * compartment's referrers.
     */
    FAIL("fail"),

    /**
     * Before each batch is erased, every resource outside the compartment that references into it gets a new version
     * with those references removed (the reference cleared, a {@code display} saying why where nothing else is left),
     * reindexed, through the store's writer; then the batch is erased. No dangling reference is left behind.
     */
    REMOVE_REFERENCES("remove-references");

    private final String code;

    OutsideReferencePolicy(String code) {
        this.code = code;
    }

    /**
     * The code of the kick-off parameter {@code outsideReferences}.
     *
     * @return e.g. {@code fail}
     */
    public String code() {
        return code;
    }

    /**
     * The policy of a code.
     *
     * @param code {@code leave}, {@code fail} or {@code remove-references}
     * @return the policy
     * @throws IllegalArgumentException for another code
     */
    public static OutsideReferencePolicy ofCode(String code) {
        for (OutsideReferencePolicy p : values()) {
            if (p.code.equals(code)) {
                return p;
            }
        }
        throw new IllegalArgumentException("Unknown outside-reference policy '" + code + "'");
    }
}
