package com.fhirpurge.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A request to delete the resources that match FHIR search criteria: {@code DELETE [base]/$bulk-delete} (all
 * resource types) or {@code DELETE [base]/[type]/$bulk-delete} (one type).
 *
 * <p>The query is given as decoded parameters, exactly as they arrived; {@link PurgeService#submitBulkDelete}
 * validates it. {@code _hardDelete=true} (also {@code hardDelete}) removes each resource with its history,
 * {@code _purgeHistory=true} removes only the history versions, neither soft-deletes; {@code excludedResourceTypes}
 * narrows a system-level request; every other parameter is a search criterion. Comma-separated values are ORed, a
 * repeated parameter is ANDed.
 *
 * @param resourceType the type of a type-level request, {@code null} at system level
 * @param query        the decoded query parameters; a repeated name has several values, in arrival order
 * @param requestedBy  who asks (from the caller's verified identity), {@code null} when unknown; kept with the job
 */
public record BulkDeleteRequest(String resourceType, Map<String, List<String>> query, String requestedBy) {

    /**
     * Copies.
     *
     * @param resourceType see {@link #resourceType()}
     * @param query        see {@link #query()}
     * @param requestedBy  see {@link #requestedBy()}
     */
    public BulkDeleteRequest {
        Objects.requireNonNull(query, "query");
        Map<String, List<String>> copy = new LinkedHashMap<>();
        query.forEach((name, values) -> copy.put(Objects.requireNonNull(name, "parameter name"),
                Collections.unmodifiableList(new ArrayList<>(values))));
        query = Collections.unmodifiableMap(copy);
    }

    /**
     * A system-level request, requester unknown.
     *
     * @param query the query parameters
     * @return the request
     */
    public static BulkDeleteRequest system(Map<String, List<String>> query) {
        return new BulkDeleteRequest(null, query, null);
    }

    /**
     * A type-level request, requester unknown.
     *
     * @param resourceType the resource type
     * @param query        the query parameters
     * @return the request
     */
    public static BulkDeleteRequest ofType(String resourceType, Map<String, List<String>> query) {
        return new BulkDeleteRequest(Objects.requireNonNull(resourceType, "resourceType"), query, null);
    }
}
