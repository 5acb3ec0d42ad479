package com.fhirpurge.core;

import static com.fhirpurge.spi.contract.TestResources.PATIENT_COMPARTMENT;
import static com.fhirpurge.spi.contract.TestResources.aPatient;
import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.core.memory.InMemoryJobRepository;
import com.fhirpurge.core.memory.InMemoryResourceStore;
import com.fhirpurge.spi.TaskState;
import com.fhirpurge.spi.contract.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finished jobs are forgotten after the configured retention; jobs with work left never are. */
class JobRetentionTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T12:00:00Z"));
    private final InMemoryResourceStore store = new InMemoryResourceStore();
    private final InMemoryJobRepository jobs = new InMemoryJobRepository();

    private PurgeService service(Duration retention) {
        return PurgeService.builder(PurgeStorage.of(store, store, jobs)).clock(clock).config(PurgeConfig.builder()
                .nodeId("retention").pollInterval(Duration.ofMillis(5)).compartment(PATIENT_COMPARTMENT)
                .jobRetention(retention).build()).build();
    }

    @Test
    void aFinishedJobIsForgottenAfterTheRetentionAndAJobWithWorkLeftIsKept() throws InterruptedException {
        store.write(List.of(aPatient("p1").build()));
        String finished;
        try (PurgeService worker = service(Duration.ofDays(1)).start()) {
            finished = worker.submitPatientPurge("p1", null);
            assertThat(worker.awaitTermination(finished, Duration.ofSeconds(30)).state())
                    .isEqualTo(TaskState.COMPLETED);
        }
        PurgeService submitOnly = service(Duration.ofDays(1));
        String waiting = submitOnly.submitPatientPurge("p2", null);

        clock.advance(Duration.ofHours(23));
        assertThat(submitOnly.forgetFinishedJobs()).as("within the retention").isZero();
        clock.advance(Duration.ofHours(2));
        assertThat(submitOnly.forgetFinishedJobs()).isEqualTo(1);

        assertThat(submitOnly.findJob(finished)).isEmpty();
        assertThat(submitOnly.findJob(waiting).orElseThrow().state()).isEqualTo(TaskState.NEW);
        assertThat(submitOnly.listJobs(null, 10)).extracting(JobStatus::jobId).containsExactly(waiting);
    }

    @Test
    void aZeroRetentionKeepsJobsForever() throws InterruptedException {
        store.write(List.of(aPatient("p1").build()));
        try (PurgeService worker = service(Duration.ZERO).start()) {
            String jobId = worker.submitPatientPurge("p1", null);
            worker.awaitTermination(jobId, Duration.ofSeconds(30));
            clock.advance(Duration.ofDays(3650));

            assertThat(worker.forgetFinishedJobs()).isZero();
            assertThat(worker.findJob(jobId)).isPresent();
        }
    }
}
