package com.fhirpurge.core;

import com.fhirpurge.spi.TaskState;
import java.time.Instant;
import java.util.Objects;

/**
 * The progress of a bulk delete on one resource type (one task of the job).
 *
 * @param resourceType  the resource type
 * @param state         new, processing, completed, error or cancelled
 * @param updatedAt     when this type's task last changed
 * @param matchedCount  resources that matched the criteria when the task started, {@code null} until counted
 * @param deletedCount  resources deleted so far: soft-deleted, hard-deleted, or (purge history) whose history versions
 *                      were removed; each counted once
 * @param errorReason   why the task failed, {@code null} unless the state is error
 */
public record ResourceTypeStatus(String resourceType, TaskState state, Instant updatedAt, Long matchedCount,
                                 long deletedCount, String errorReason) {

    /**
     * Validates.
     *
     * @param resourceType see {@link #resourceType()}
     * @param state        see {@link #state()}
     * @param updatedAt    see {@link #updatedAt()}
     * @param matchedCount see {@link #matchedCount()}
     * @param deletedCount see {@link #deletedCount()}
     * @param errorReason  see {@link #errorReason()}
     */
    public ResourceTypeStatus {
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(updatedAt, "updatedAt");
        if (deletedCount < 0) {
            throw new IllegalArgumentException("Negative deleted count");
        }
    }
}
