package com.fhirpurge.core;

import com.fhirpurge.spi.JobKind;
import com.fhirpurge.spi.TaskState;
import java.time.Instant;

/**
 * What every job's status tells, whatever its kind: a {@link PurgeJobStatus} for a patient purge, a
 * {@link BulkDeleteStatus} for a bulk delete.
 */
public sealed interface JobStatus permits PurgeJobStatus, BulkDeleteStatus {

    /**
     * The job id.
     *
     * @return the id
     */
    String jobId();

    /**
     * The job kind.
     *
     * @return the kind
     */
    JobKind kind();

    /**
     * The job's state, derived from its tasks' states.
     *
     * @return the state
     */
    TaskState state();

    /**
     * When the job was submitted.
     *
     * @return the submission time
     */
    Instant createdAt();

    /**
     * The latest change of any of the job's tasks.
     *
     * @return the last change
     */
    Instant updatedAt();

    /**
     * Who submitted the job.
     *
     * @return the requester, or {@code null}
     */
    String requestedBy();

    /**
     * Whether the job has reached a final state (completed, error or cancelled).
     *
     * @return {@code true} when no task is new or processing
     */
    boolean isFinished();
}
