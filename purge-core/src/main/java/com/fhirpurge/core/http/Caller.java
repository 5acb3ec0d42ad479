package com.fhirpurge.core.http;

import java.util.Objects;
import java.util.Set;

/**
 * The caller's identity as the host verified it (e.g. from a validated bearer token).
 *
 * @param subject        who calls (the token's {@code sub} or client id), kept as the job's requester; may be
 *                       {@code null}
 * @param scopes         the granted SMART scopes
 * @param patientContext the patient the token is bound to (the {@code patient} launch context), or {@code null}
 */
public record Caller(String subject, Set<String> scopes, String patientContext) {

    /**
     * Copies the scopes.
     *
     * @param subject        see {@link #subject()}
     * @param scopes         see {@link #scopes()}
     * @param patientContext see {@link #patientContext()}
     */
    public Caller {
        scopes = Set.copyOf(Objects.requireNonNull(scopes, "scopes"));
    }
}
