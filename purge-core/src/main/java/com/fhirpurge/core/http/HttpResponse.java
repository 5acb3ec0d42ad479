package com.fhirpurge.core.http;

import java.util.Map;
import java.util.Objects;

/**
 * One HTTP response: copy status, headers and body to the host's response object.
 *
 * @param status  the HTTP status
 * @param headers the headers to set
 * @param body    the body (FHIR JSON), empty for none
 */
public record HttpResponse(int status, Map<String, String> headers, String body) {

    /**
     * Copies the headers.
     *
     * @param status  see {@link #status()}
     * @param headers see {@link #headers()}
     * @param body    see {@link #body()}
     */
    public HttpResponse {
        headers = Map.copyOf(headers);
        body = Objects.requireNonNullElse(body, "");
    }
}
