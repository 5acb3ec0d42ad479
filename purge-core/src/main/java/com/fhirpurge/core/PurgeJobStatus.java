package com.fhirpurge.core;

import com.fhirpurge.core.internal.TaskStateMachine;
import com.fhirpurge.spi.JobKind;
import com.fhirpurge.spi.TaskState;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A snapshot of a job and of each of its patients.
 *
 * <p>The job's {@code state} is derived from its patients' states: {@code new} while none has started;
 * {@code processing} while any is processing or some are still new; once all are final, {@code cancelled} if any
 * was cancelled, else {@code error} if any failed, else {@code completed}.
 *
 * @param jobId       the job id
 * @param kind        the job kind
 * @param state       the derived job state
 * @param createdAt   when the job was submitted
 * @param updatedAt   the latest change of any of its patients
 * @param requestedBy who submitted it, or {@code null}
 * @param patients    per patient, in request order
 */
public record PurgeJobStatus(String jobId, JobKind kind, TaskState state, Instant createdAt, Instant updatedAt,
                             String requestedBy, List<PatientStatus> patients) implements JobStatus {

    /**
     * Validates and copies.
     *
     * @param jobId see {@link #jobId()}
     * @param kind see {@link #kind()}
     * @param state see {@link #state()}
     * @param createdAt see {@link #createdAt()}
     * @param updatedAt see {@link #updatedAt()}
     * @param requestedBy see {@link #requestedBy()}
     * @param patients see {@link #patients()}
     */
    public PurgeJobStatus {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        patients = List.copyOf(patients);
    }

    /**
     * Whether the job has reached a final state (completed, error or cancelled).
     *
     * @return {@code true} when no patient is new or processing
     */
    @Override
    public boolean isFinished() {
        return TaskStateMachine.isFinal(state);
    }

    /**
     * Resources purged so far over all patients.
     *
     * @return the sum of the patients' purged counts
     */
    public long purgedResourcesCount() {
        return patients.stream().mapToLong(PatientStatus::purgedResourcesCount).sum();
    }
}
