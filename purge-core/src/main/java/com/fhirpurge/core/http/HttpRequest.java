package com.fhirpurge.core.http;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One HTTP request as the binding sees it.
 *
 * @param method  the HTTP method, e.g. {@code POST}
 * @param path    the path below the FHIR base, without leading slash or query, percent-decoded, e.g.
 *                {@code Patient/$bulk-purge}
 * @param query   the decoded query parameters; a repeated name has several values
 * @param headers the headers; names are matched case-insensitively
 * @param body    the request body as text (UTF-8), empty when none
 * @param caller  the verified caller, or {@code null} when the request carried no (valid) credentials
 */
public record HttpRequest(String method, String path, Map<String, List<String>> query,
                          Map<String, List<String>> headers, String body, Caller caller) {

    /**
     * Validates and copies; header names become case-insensitive.
     *
     * @param method  see {@link #method()}
     * @param path    see {@link #path()}
     * @param query   see {@link #query()}
     * @param headers see {@link #headers()}
     * @param body    see {@link #body()}
     * @param caller  see {@link #caller()}
     */
    public HttpRequest {
        method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
        Objects.requireNonNull(path, "path");
        query = Map.copyOf(query);
        TreeMap<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> h.merge(k, List.copyOf(v), (a, b) -> {
            List<String> all = new java.util.ArrayList<>(a);
            all.addAll(b);
            return List.copyOf(all);
        }));
        headers = java.util.Collections.unmodifiableMap(h);
        body = body == null ? "" : body;
    }

    /**
     * All values of a header, joined by commas as RFC 9110 allows for list headers.
     *
     * @param name the header name, any case
     * @return the joined values, or {@code null} when absent
     */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : String.join(", ", values);
    }
}
