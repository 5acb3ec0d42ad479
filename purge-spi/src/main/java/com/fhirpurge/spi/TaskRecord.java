package com.fhirpurge.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A persisted task: the unit a worker leases.
 *
 * @param taskId          the task id, unique across jobs
 * @param jobId           the owning job
 * @param ordinal         the task's position in its job (0-based), the order status reports use
 * @param target          what the task erases: a patient id for a purge, a resource type for a bulk delete
 * @param state           the current state
 * @param lease           the current or last lease, {@code null} before the first claim
 * @param progress        the last checkpoint
 * @param cancelRequested whether a caller asked to cancel while the task was processing
 * @param errorReason     why the task ended in {@link TaskState#ERROR}, else {@code null}
 * @param updatedAt       when the task last changed
 */
public record TaskRecord(String taskId, String jobId, int ordinal, String target, TaskState state, Lease lease,
                         TaskProgress progress, boolean cancelRequested, String errorReason, Instant updatedAt) {

    /**
     * Validates.
     *
     * @param taskId see {@link #taskId()}
     * @param jobId see {@link #jobId()}
     * @param ordinal see {@link #ordinal()}
     * @param target see {@link #target()}
     * @param state see {@link #state()}
     * @param lease see {@link #lease()}
     * @param progress see {@link #progress()}
     * @param cancelRequested see {@link #cancelRequested()}
     * @param errorReason see {@link #errorReason()}
     * @param updatedAt see {@link #updatedAt()}
     */
    public TaskRecord {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(updatedAt, "updatedAt");
        if (ordinal < 0) {
            throw new IllegalArgumentException("Negative ordinal");
        }
    }

    /**
     * A task as submitted: state new, no lease, initial progress.
     *
     * @param taskId    the task id
     * @param jobId     the owning job
     * @param ordinal   position in the job
     * @param target    patient id or resource type
     * @param createdAt the submission time
     * @return the new task
     */
    public static TaskRecord newTask(String taskId, String jobId, int ordinal, String target, Instant createdAt) {
        return new TaskRecord(taskId, jobId, ordinal, target, TaskState.NEW, null, TaskProgress.INITIAL, false, null,
                createdAt);
    }
}
