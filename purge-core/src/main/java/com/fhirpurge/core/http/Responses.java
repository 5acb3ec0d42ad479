package com.fhirpurge.core.http;

import com.fhirpurge.core.Issue;
import com.fhirpurge.core.fhir.OperationOutcomes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the binding's responses: FHIR JSON bodies, every error an {@code OperationOutcome}. */
final class Responses {

    static final String FHIR_JSON = "application/fhir+json";

    private final OperationOutcomes outcomes;
    private final HttpBindingConfig config;

    Responses(OperationOutcomes outcomes, HttpBindingConfig config) {
        this.outcomes = outcomes;
        this.config = config;
    }

    /** A response with a FHIR JSON body. */
    static HttpResponse json(int status, String body) {
        return new HttpResponse(status, Map.of("Content-Type", FHIR_JSON), body);
    }

    /** An {@code OperationOutcome} with one error issue. */
    HttpResponse error(int status, String code, String diagnostics) {
        return outcome(status, List.of(Issue.error(code, diagnostics, null)));
    }

    /** An {@code OperationOutcome} with these issues. */
    HttpResponse outcome(int status, List<Issue> issues) {
        return json(status, outcomes.render(issues));
    }

    /** 202 with one information issue. */
    HttpResponse accepted(String message) {
        return outcome(202, List.of(new Issue(Issue.Severity.INFORMATION, "informational", message, null)));
    }

    /** 405 with {@code Allow}. */
    HttpResponse methodNotAllowed(String allow) {
        return withHeader(error(405, "not-supported", "Method not allowed here; allowed: " + allow), "Allow", allow);
    }

    /** 429 with {@code Retry-After}. */
    HttpResponse throttled(String diagnostics) {
        return withHeader(error(429, "throttled", diagnostics), "Retry-After", Integer.toString(config.retryAfter()));
    }

    /** A copy of a response with one more header. */
    static HttpResponse withHeader(HttpResponse r, String name, String value) {
        Map<String, String> headers = new LinkedHashMap<>(r.headers());
        headers.put(name, value);
        return new HttpResponse(r.status(), headers, r.body());
    }
}
