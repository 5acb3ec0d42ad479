package com.fhirpurge.core.internal;

import com.fhirpurge.spi.ErasureAudit;
import com.fhirpurge.spi.ErasureDigest;
import com.fhirpurge.spi.ErasureRecord;
import com.fhirpurge.spi.JobKind;
import com.fhirpurge.spi.JobRecord;
import com.fhirpurge.spi.TaskProgress;
import com.fhirpurge.spi.TaskRecord;
import com.fhirpurge.spi.TaskState;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a patient's {@link ErasureRecord} when the patient's purge ends and hands it to every audit, just before
 * the final state is written (so delivery is at least once). A failing audit is logged with the whole record and
 * holds nothing up.
 */
public final class ErasureRecords {

    private static final Logger LOG = LoggerFactory.getLogger(ErasureRecords.class);

    private final List<ErasureAudit> audits;
    private final Function<String, Optional<JobRecord>> jobs;
    private final Retrier retrier;
    private final InstantSource clock;

    ErasureRecords(List<ErasureAudit> audits, Function<String, Optional<JobRecord>> jobs, Retrier retrier,
                   InstantSource clock) {
        this.audits = List.copyOf(audits);
        this.jobs = jobs;
        this.retrier = retrier;
        this.clock = clock;
    }

    /**
     * Records a task's end when it is a patient purge's.
     *
     * @param task        the task
     * @param outcome     its final state
     * @param progress    its final progress
     * @param errorReason why, for an error
     * @throws InterruptedException when interrupted while retrying
     */
    void ended(TaskRecord task, TaskState outcome, TaskProgress progress, String errorReason)
            throws InterruptedException {
        if (audits.isEmpty()) {
            return;
        }
        Optional<JobRecord> job = jobs.apply(task.jobId());
        if (job.isEmpty() || job.get().kind() != JobKind.PATIENT_PURGE) {
            return;
        }
        ErasureRecord record = new ErasureRecord(task.jobId(), task.target(), outcome, job.get().requestedBy(),
                job.get().parameters().get(JobParameters.REASON), clock.instant(), progress.erasedByType(),
                progress.erasedDigest() == null ? ErasureDigest.EMPTY : progress.erasedDigest(), errorReason);
        for (ErasureAudit audit : audits) {
            try {
                retrier.call(task.jobId(), "erasure record", () -> {
                    audit.record(record);
                    return null;
                });
            } catch (RuntimeException e) {
                LOG.error("job {}: the erasure record of patient {} could not be kept by {}; here it is in full: {}",
                        task.jobId(), task.target(), audit.getClass().getName(), record, e);
            }
        }
    }
}
