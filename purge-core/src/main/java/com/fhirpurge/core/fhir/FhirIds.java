package com.fhirpurge.core.fhir;

import java.util.regex.Pattern;

/**
 * The FHIR R4 id rule, {@code [A-Za-z0-9\-\.]{1,64}}, which HAPI's {@code IdType} does not check. Ids are compared
 * exactly as given, never case-folded.
 */
public final class FhirIds {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    private FhirIds() {
    }

    /**
     * Whether a string is a valid logical id.
     *
     * @param id the candidate, may be {@code null}
     * @return {@code true} when it matches the rule
     */
    public static boolean isValid(String id) {
        return id != null && ID.matcher(id).matches();
    }
}
