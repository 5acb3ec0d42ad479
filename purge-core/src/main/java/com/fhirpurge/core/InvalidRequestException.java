package com.fhirpurge.core;

import com.fhirpurge.spi.PurgeException;
import java.util.List;

/**
 * A request was refused before any job was created and before any data was touched. Carries the HTTP status the
 * binding answers with and the issues an OperationOutcome lists.
 */
public class InvalidRequestException extends PurgeException {

    private static final long serialVersionUID = 1L;

    private final int httpStatus;
    private final transient List<Issue> issues;

    /**
     * Creates the exception.
     *
     * @param httpStatus the 4xx status to answer with
     * @param issues     the problems found, at least one
     */
    public InvalidRequestException(int httpStatus, List<Issue> issues) {
        super(issues.isEmpty() ? "Invalid request" : issues.get(0).diagnostics());
        if (httpStatus < 400 || httpStatus > 499) {
            throw new IllegalArgumentException("Not a client error status: " + httpStatus);
        }
        if (issues.isEmpty()) {
            throw new IllegalArgumentException("At least one issue is required");
        }
        this.httpStatus = httpStatus;
        this.issues = List.copyOf(issues);
    }

    /**
     * A 400 with one error issue.
     *
     * @param code        the IssueType code
     * @param diagnostics the message
     * @param expression  the location, or {@code null}
     * @return the exception
     */
    public static InvalidRequestException badRequest(String code, String diagnostics, String expression) {
        return new InvalidRequestException(400, List.of(Issue.error(code, diagnostics, expression)));
    }

    /**
     * The HTTP status to answer with.
     *
     * @return a 4xx status
     */
    public int httpStatus() {
        return httpStatus;
    }

    /**
     * The problems found.
     *
     * @return at least one issue
     */
    public List<Issue> issues() {
        return issues;
    }
}
