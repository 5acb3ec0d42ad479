package com.fhirpurge.core;

import com.fhirpurge.core.internal.TaskStateMachine;
import com.fhirpurge.spi.EraseMode;
import com.fhirpurge.spi.JobKind;
import com.fhirpurge.spi.TaskState;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A snapshot of a bulk delete job and of each resource type in its scope.
 *
 * <p>The job's {@code state} is derived from its types' states the same way as a patient purge's: {@code new} while
 * none has started, {@code processing} while any has work left, then {@code cancelled} if any was cancelled, else
 * {@code error} if any failed, else {@code completed}.
 *
 * @param jobId        the job id
 * @param state        the derived job state
 * @param createdAt    when the job was submitted: its snapshot, only resources last updated at or before it are
 *                     deleted
 * @param updatedAt    the latest change of any of its types
 * @param requestedBy  who submitted it, or {@code null}
 * @param resourceType the type of a type-level request, {@code null} at system level
 * @param mode         soft delete, hard delete or purge history
 * @param types        per resource type in scope, in resource type order
 */
public record BulkDeleteStatus(String jobId, TaskState state, Instant createdAt, Instant updatedAt,
                               String requestedBy, String resourceType, EraseMode mode,
                               List<ResourceTypeStatus> types) implements JobStatus {

    /**
     * Validates and copies.
     *
     * @param jobId        see {@link #jobId()}
     * @param state        see {@link #state()}
     * @param createdAt    see {@link #createdAt()}
     * @param updatedAt    see {@link #updatedAt()}
     * @param requestedBy  see {@link #requestedBy()}
     * @param resourceType see {@link #resourceType()}
     * @param mode         see {@link #mode()}
     * @param types        see {@link #types()}
     */
    public BulkDeleteStatus {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(mode, "mode");
        types = List.copyOf(types);
    }

    /**
     * Always {@link JobKind#BULK_DELETE}.
     *
     * @return the kind
     */
    @Override
    public JobKind kind() {
        return JobKind.BULK_DELETE;
    }

    /**
     * Whether the job has reached a final state.
     *
     * @return {@code true} when no type is new or processing
     */
    @Override
    public boolean isFinished() {
        return TaskStateMachine.isFinal(state);
    }

    /**
     * The deleted counts of the types with at least one deletion, in resource type order: what the status
     * {@code ResourceDeletedCount} parameter lists.
     *
     * @return resource type to deleted count
     */
    public Map<String, Long> deletedByType() {
        Map<String, Long> counts = new TreeMap<>();
        for (ResourceTypeStatus t : types) {
            if (t.deletedCount() > 0) {
                counts.put(t.resourceType(), t.deletedCount());
            }
        }
        return Collections.unmodifiableMap(counts);
    }

    /**
     * Resources deleted so far over all types.
     *
     * @return the sum of the types' deleted counts
     */
    public long deletedCount() {
        return types.stream().mapToLong(ResourceTypeStatus::deletedCount).sum();
    }

    /**
     * The types whose task failed.
     *
     * @return the failed types' statuses, in resource type order
     */
    public List<ResourceTypeStatus> failedTypes() {
        return types.stream().filter(t -> t.state() == TaskState.ERROR).toList();
    }
}
