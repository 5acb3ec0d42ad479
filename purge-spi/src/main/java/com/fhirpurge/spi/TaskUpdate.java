package com.fhirpurge.spi;

import java.util.Objects;

/**
 * One fenced write in a {@link JobRepository#writeAll batch of task writes}: a checkpoint when {@code finalState}
 * is {@code null}, else the task's final write.
 *
 * @param taskId      the task
 * @param lease       the lease the writer holds
 * @param progress    the progress to store
 * @param finalState  {@code null} for a checkpoint; {@link TaskState#COMPLETED}, {@link TaskState#ERROR} or
 *                    {@link TaskState#CANCELLED} to end the task
 * @param errorReason why, for {@code ERROR}; else {@code null}
 */
public record TaskUpdate(String taskId, Lease lease, TaskProgress progress, TaskState finalState,
                         String errorReason) {

    /**
     * Validates.
     *
     * @param taskId      see {@link #taskId()}
     * @param lease       see {@link #lease()}
     * @param progress    see {@link #progress()}
     * @param finalState  see {@link #finalState()}
     * @param errorReason see {@link #errorReason()}
     */
    public TaskUpdate {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(progress, "progress");
        if (finalState != null && !finalState.isFinal()) {
            throw new IllegalArgumentException("Not a final state: " + finalState);
        }
    }

    /**
     * A checkpoint.
     *
     * @param taskId   the task
     * @param lease    the lease the writer holds
     * @param progress the progress to store
     * @return the update
     */
    public static TaskUpdate checkpoint(String taskId, Lease lease, TaskProgress progress) {
        return new TaskUpdate(taskId, lease, progress, null, null);
    }

    /**
     * A final write.
     *
     * @param taskId      the task
     * @param lease       the lease the writer holds
     * @param finalState  the final state
     * @param progress    the final progress
     * @param errorReason why, for {@code ERROR}; else {@code null}
     * @return the update
     */
    public static TaskUpdate finish(String taskId, Lease lease, TaskState finalState, TaskProgress progress,
                                    String errorReason) {
        return new TaskUpdate(taskId, lease, progress, Objects.requireNonNull(finalState, "finalState"),
                errorReason);
    }
}
