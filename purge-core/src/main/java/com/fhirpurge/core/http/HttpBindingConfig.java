package com.fhirpurge.core.http;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of the HTTP binding.
 *
 * @param baseUrl          the absolute FHIR base URL, e.g. {@code https://example.org/fhir}; {@code Content-Location}
 *                         is built from it
 * @param authRequired     whether a {@link Caller} is required; when {@code false} every request is allowed
 * @param purgeOperation   the scope suffix that allows patient purge, granted as {@code system/}, {@code user/} or
 *                         {@code patient/} + this; default {@code kodjin/$patient-purge}
 * @param maxBodyBytes     the largest request body accepted, in bytes (UTF-8); larger ones get 413
 * @param maxActiveJobs    the most jobs with work left before a kick-off is refused with 429; 0 for no limit
 * @param retryAfter       the {@code Retry-After} seconds sent with a 429 or 503
 * @param minPollInterval  the shortest time between two status reads of the same job; a faster poll gets 429 with
 *                         {@code Retry-After}; {@link Duration#ZERO} for no limit
 * @param bulkDeleteScope  a scope a bulk delete caller must hold besides delete and search rights on the affected
 *                         types (e.g. an operation scope of the vendor's naming), {@code null} for none
 */
public record HttpBindingConfig(String baseUrl, boolean authRequired, String purgeOperation, int maxBodyBytes,
                                int maxActiveJobs, int retryAfter, Duration minPollInterval, String bulkDeleteScope) {

    /** The default purge operation scope suffix, as the specification names it. */
    public static final String DEFAULT_PURGE_OPERATION = "kodjin/$patient-purge";

    /**
     * Validates and normalises the base URL (no trailing slash).
     *
     * @param baseUrl        see {@link #baseUrl()}
     * @param authRequired   see {@link #authRequired()}
     * @param purgeOperation see {@link #purgeOperation()}
     * @param maxBodyBytes   see {@link #maxBodyBytes()}
     * @param maxActiveJobs  see {@link #maxActiveJobs()}
     * @param retryAfter     see {@link #retryAfter()}
     * @param minPollInterval see {@link #minPollInterval()}
     * @param bulkDeleteScope see {@link #bulkDeleteScope()}
     * @throws IllegalArgumentException when the base URL is not absolute http(s) or a value is out of range
     */
    public HttpBindingConfig {
        Objects.requireNonNull(baseUrl, "baseUrl");
        if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
            throw new IllegalArgumentException("baseUrl must be an absolute http(s) URL, was '" + baseUrl + "'");
        }
        while (baseUrl.endsWith("/")) {
            baseUrl = baseUrl.substring(0, baseUrl.length() - 1);
        }
        Objects.requireNonNull(purgeOperation, "purgeOperation");
        if (purgeOperation.isBlank() || purgeOperation.contains(" ")) {
            throw new IllegalArgumentException("purgeOperation must be one scope token, was '" + purgeOperation + "'");
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("maxBodyBytes must be at least 1024, was " + maxBodyBytes);
        }
        if (maxActiveJobs < 0 || retryAfter < 1) {
            throw new IllegalArgumentException("maxActiveJobs must be >= 0 and retryAfter >= 1, were " + maxActiveJobs
                    + " and " + retryAfter);
        }
        Objects.requireNonNull(minPollInterval, "minPollInterval");
        if (minPollInterval.isNegative()) {
            throw new IllegalArgumentException("minPollInterval must not be negative, was " + minPollInterval);
        }
        if (bulkDeleteScope != null && (bulkDeleteScope.isBlank() || bulkDeleteScope.contains(" "))) {
            throw new IllegalArgumentException("bulkDeleteScope must be one scope token, was '" + bulkDeleteScope
                    + "'");
        }
    }

    /**
     * A configuration with the defaults: auth required, the specification's scope names, 1 MiB bodies, no limit on
     * active jobs, {@code Retry-After: 5}, no poll rate limit, no bulk delete scope beyond the type rights.
     *
     * @param baseUrl the FHIR base URL
     * @return the configuration
     */
    public static HttpBindingConfig of(String baseUrl) {
        return new HttpBindingConfig(baseUrl, true, DEFAULT_PURGE_OPERATION, 1 << 20, 0, 5, Duration.ZERO, null);
    }

    /**
     * A copy with a limit on active jobs.
     *
     * @param limit the most jobs with work left before kick-offs get 429; 0 for no limit
     * @return the new configuration
     */
    public HttpBindingConfig withMaxActiveJobs(int limit) {
        return new HttpBindingConfig(baseUrl, authRequired, purgeOperation, maxBodyBytes, limit, retryAfter,
                minPollInterval, bulkDeleteScope);
    }

    /**
     * A copy with a poll rate limit.
     *
     * @param interval the shortest time between two status reads of one job; {@link Duration#ZERO} for none
     * @return the new configuration
     */
    public HttpBindingConfig withMinPollInterval(Duration interval) {
        return new HttpBindingConfig(baseUrl, authRequired, purgeOperation, maxBodyBytes, maxActiveJobs, retryAfter,
                interval, bulkDeleteScope);
    }

    /**
     * A copy that requires one more scope of bulk delete callers.
     *
     * @param scope the scope token, {@code null} for none
     * @return the new configuration
     */
    public HttpBindingConfig withBulkDeleteScope(String scope) {
        return new HttpBindingConfig(baseUrl, authRequired, purgeOperation, maxBodyBytes, maxActiveJobs, retryAfter,
                minPollInterval, scope);
    }

    /**
     * The scopes that allow patient purge, in the order they are listed in a 403.
     *
     * @return {@code system/}, {@code user/} and {@code patient/} + {@link #purgeOperation()}
     */
    public List<String> purgeScopes() {
        return List.of("system/" + purgeOperation, "user/" + purgeOperation, "patient/" + purgeOperation);
    }
}
