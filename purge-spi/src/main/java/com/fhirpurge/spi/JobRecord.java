package com.fhirpurge.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A persisted job. Its state is not stored: the core derives it from the job's tasks.
 *
 * @param jobId       the job id (opaque; the core issues time-ordered ids)
 * @param kind        what the job does
 * @param createdAt   when it was submitted
 * @param requestedBy who submitted it (from the caller identity), {@code null} when unknown
 * @param parameters  the job's validated parameters as strings, e.g. bulk delete criteria
 */
public record JobRecord(String jobId, JobKind kind, Instant createdAt, String requestedBy,
                        Map<String, String> parameters) {

    /**
     * Validates and copies.
     *
     * @param jobId see {@link #jobId()}
     * @param kind see {@link #kind()}
     * @param createdAt see {@link #createdAt()}
     * @param requestedBy see {@link #requestedBy()}
     * @param parameters see {@link #parameters()}
     */
    public JobRecord {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(createdAt, "createdAt");
        parameters = Map.copyOf(parameters);
        if (jobId.isBlank()) {
            throw new IllegalArgumentException("Blank job id");
        }
    }
}
