package com.fhirpurge.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.spi.JobKind;
import com.fhirpurge.spi.JobRecord;
import com.fhirpurge.spi.TaskRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * On the databases with {@code SKIP LOCKED}, a claim whose transaction is still open holds back only the tasks it
 * claims: another node's claim gets the next ones in claim order at once.
 */
class ConcurrentClaimTest {

    private static final int TASKS = 600;
    private static final int CLAIM = 200;

    private TestDatabase.Instance instance;

    @AfterEach
    void close() {
        if (instance != null) {
            instance.close();
        }
    }

    @Test
    void onPostgres() throws Exception {
        aClaimStillOpenHoldsBackOnlyTheTasksItClaims(TestDatabase.POSTGRES);
    }

    @Test
    void onMariaDb() throws Exception {
        aClaimStillOpenHoldsBackOnlyTheTasksItClaims(TestDatabase.MARIADB);
    }

    private void aClaimStillOpenHoldsBackOnlyTheTasksItClaims(TestDatabase database) throws Exception {
        instance = database.create("claims");
        JdbcSchema.createJobSchema(instance.newPool(1), instance.dialect(), "fp_");
        FaultyDataSource nodeA = new FaultyDataSource(instance.newPool(2));
        JdbcJobRepository jobsA = new JdbcJobRepository(nodeA, instance.dialect(), "fp_");
        JdbcJobRepository jobsB = new JdbcJobRepository(instance.newPool(2), instance.dialect(), "fp_");
        Instant now = Instant.parse("2026-12-02T10:00:00Z");
        List<TaskRecord> tasks = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
            tasks.add(TaskRecord.newTask("job-1/" + i, "job-1", i, "Patient/p" + i, now));
        }
        jobsA.create(new JobRecord("job-1", JobKind.PATIENT_PURGE, now, "admin", Map.of()), tasks);
        Instant leaseUntil = now.plusSeconds(60);

        FaultyDataSource.CommitHold hold = nodeA.holdNextCommit();
        CompletableFuture<List<TaskRecord>> claimA =
                CompletableFuture.supplyAsync(() -> jobsA.claimUpTo("node-a", now, leaseUntil, CLAIM));
        hold.awaitReached();
        List<TaskRecord> claimB;
        try {
            claimB = jobsB.claimUpTo("node-b", now, leaseUntil, CLAIM);
        } finally {
            hold.release();
        }

        assertThat(claimA.get(30, TimeUnit.SECONDS)).extracting(TaskRecord::target).containsExactlyElementsOf(
                targets(0, CLAIM));
        assertThat(claimB).as("the next tasks, though node A had not committed").extracting(TaskRecord::target)
                .containsExactlyElementsOf(targets(CLAIM, 2 * CLAIM));
        assertThat(jobsB.claimUpTo("node-b", now, leaseUntil, TASKS)).extracting(TaskRecord::target)
                .containsExactlyElementsOf(targets(2 * CLAIM, TASKS));
    }

    private static List<String> targets(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "Patient/p" + i).toList();
    }
}
