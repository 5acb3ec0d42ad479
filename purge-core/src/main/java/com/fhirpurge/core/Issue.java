package com.fhirpurge.core;

import java.util.Objects;

/**
 * One problem found in a request, as an OperationOutcome issue renders it.
 *
 * @param severity    how bad it is
 * @param code        the R4 IssueType code, e.g. {@code value}, {@code required}, {@code not-supported}
 * @param diagnostics a human-readable message naming the offending value or parameter
 * @param expression  a FHIRPath expression locating the problem, e.g. {@code Parameters.parameter[2].value};
 *                    {@code null} when the problem has no location in a body
 */
public record Issue(Severity severity, String code, String diagnostics, String expression) {

    /** Issue severities (R4 {@code IssueSeverity}). */
    public enum Severity {
        /** The request could not be processed at all. */
        FATAL("fatal"),
        /** The request is refused. */
        ERROR("error"),
        /** A problem that did not stop processing. */
        WARNING("warning"),
        /** Information only. */
        INFORMATION("information");

        private final String code;

        Severity(String code) {
            this.code = code;
        }

        /**
         * The FHIR code.
         *
         * @return e.g. {@code error}
         */
        public String code() {
            return code;
        }
    }

    /**
     * Validates.
     *
     * @param severity see {@link #severity()}
     * @param code see {@link #code()}
     * @param diagnostics see {@link #diagnostics()}
     * @param expression see {@link #expression()}
     */
    public Issue {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(diagnostics, "diagnostics");
    }

    /**
     * An error issue.
     *
     * @param code        the IssueType code
     * @param diagnostics the message
     * @param expression  the location, or {@code null}
     * @return the issue
     */
    public static Issue error(String code, String diagnostics, String expression) {
        return new Issue(Severity.ERROR, code, diagnostics, expression);
    }
}
