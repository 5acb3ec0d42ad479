package com.fhirpurge.spi.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fhirpurge.spi.DuplicateJobException;
import com.fhirpurge.spi.ErasureDigest;
import com.fhirpurge.spi.JobKind;
import com.fhirpurge.spi.JobRecord;
import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.Lease;
import com.fhirpurge.spi.LeaseLostException;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.TaskControl;
import com.fhirpurge.spi.TaskProgress;
import com.fhirpurge.spi.TaskRecord;
import com.fhirpurge.spi.TaskState;
import com.fhirpurge.spi.TaskUpdate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of the job repository role: persistence, fenced leases, cancellation, and claim races between
 * owners. An adapter's test class returns an empty repository from {@link #createRepository()}; the race test asks
 * for a second instance on the same storage through {@link #createSecondRepository()} (a second node).
 */
public abstract class JobRepositoryContract {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);

    private JobRepository repo;

    /**
     * Creates an empty repository for one test.
     *
     * @return the repository
     */
    protected abstract JobRepository createRepository();

    /**
     * A second repository instance on the same storage as the last {@link #createRepository()} (e.g. its own
     * connection pool), as a second node would have. Defaults to the same instance.
     *
     * @return the second instance
     */
    protected JobRepository createSecondRepository() {
        return repo;
    }

    /** Removes what the test left behind; called after every test. */
    protected void cleanup() {
    }

    @BeforeEach
    void createRepositoryUnderTest() {
        repo = createRepository();
    }

    @AfterEach
    void cleanupRepository() {
        cleanup();
    }

    private static JobRecord aJob(String id, Instant createdAt) {
        return new JobRecord(id, JobKind.PATIENT_PURGE, createdAt, "system/test", Map.of("reason", "gdpr"));
    }

    private List<TaskRecord> createJobWithTasks(String jobId, Instant createdAt, String... targets) {
        List<TaskRecord> tasks = new ArrayList<>();
        for (int i = 0; i < targets.length; i++) {
            tasks.add(TaskRecord.newTask(jobId + "-t" + i, jobId, i, targets[i], createdAt));
        }
        repo.create(aJob(jobId, createdAt), tasks);
        return tasks;
    }

    private TaskRecord claim(String owner, Instant now) {
        return repo.claim(owner, now, now.plus(LEASE)).orElseThrow(() -> new AssertionError("nothing claimed"));
    }

    private TaskRecord task(String taskId) {
        String jobId = taskId.substring(0, taskId.lastIndexOf("-t"));
        return repo.findTasks(jobId).stream().filter(t -> t.taskId().equals(taskId)).findFirst().orElseThrow();
    }

    private static TaskProgress someProgress() {
        return new TaskProgress(42L, Map.of("Observation", 10L, "Encounter", 2L), "cursor-\u00fc-1", 2,
                List.of(ResourceKey.of("Observation", "o'1"), ResourceKey.of("Encounter", "e;1")),
                ErasureDigest.of(List.of(ResourceKey.of("Observation", "o0"))), 3,
                List.of(ResourceKey.of("Group", "g'1"), ResourceKey.of("Patient", "p;9")));
    }

    @Test
    void storesJobsAndTasksAndFindsThemAgain() {
        List<TaskRecord> created = createJobWithTasks("job-1", T0, "p1", "p2", "p3");

        assertThat(repo.findJob("job-1")).contains(aJob("job-1", T0));
        assertThat(repo.findTasks("job-1")).containsExactlyElementsOf(created);
        assertThat(repo.findJob("nope")).isEmpty();
        assertThat(repo.findTasks("nope")).isEmpty();
    }

    @Test
    void aDuplicateJobIdIsRefusedAndTheFirstJobStaysAsItWas() {
        List<TaskRecord> created = createJobWithTasks("job-1", T0, "p1");

        assertThatThrownBy(() -> repo.create(aJob("job-1", T0.plusSeconds(5)),
                List.of(TaskRecord.newTask("job-1-other", "job-1", 0, "p9", T0))))
                .isInstanceOf(DuplicateJobException.class)
                .satisfies(e -> assertThat(((DuplicateJobException) e).jobId()).isEqualTo("job-1"));
        assertThat(repo.findJob("job-1")).contains(aJob("job-1", T0));
        assertThat(repo.findTasks("job-1")).containsExactlyElementsOf(created);
    }

    @Test
    void jobParametersRoundTripWhateverTheyHold() {
        Map<String, String> tricky = Map.of("query", "code=http://loinc.org|8867-4&date=ge2024&x=%26%3D", "mode",
                "HARD_DELETE", "line\nbreak", "\u00fc\u4e2d \"quoted\" 'single' ;--", "empty", "");
        repo.create(new JobRecord("job-p", JobKind.BULK_DELETE, T0, null, tricky),
                List.of(TaskRecord.newTask("job-p-t0", "job-p", 0, "Observation", T0)));

        assertThat(repo.findJob("job-p").orElseThrow().parameters()).isEqualTo(tricky);
        assertThat(repo.findJob("job-p").orElseThrow().kind()).isEqualTo(JobKind.BULK_DELETE);
    }

    @Test
    void forgetsOnlyFinishedJobsWhoseLastChangeIsBeforeTheCutoff() {
        createJobWithTasks("job-half", T0.minusSeconds(60), "p1", "p2");
        TaskRecord running = claim("w1", T0.plusSeconds(1));
        assertThat(running.taskId()).isEqualTo("job-half-t0");
        repo.finish(running.taskId(), running.lease(), TaskState.COMPLETED, running.progress(), null,
                T0.plusSeconds(2));
        createJobWithTasks("job-old", T0, "p1", "p2");
        repo.requestCancel("job-old", T0.plusSeconds(10));
        createJobWithTasks("job-old2", T0, "p1");
        repo.requestCancel("job-old2", T0.plusSeconds(20));
        createJobWithTasks("job-active", T0, "p1");
        createJobWithTasks("job-recent", T0, "p1");
        repo.requestCancel("job-recent", T0.plus(Duration.ofHours(2)));
        Instant cutoff = T0.plus(Duration.ofHours(1));

        assertThat(repo.forgetFinished(cutoff, 1)).as("the limit holds").isEqualTo(1);
        assertThat(repo.forgetFinished(cutoff, 10)).isEqualTo(1);
        assertThat(repo.forgetFinished(cutoff, 10)).as("nothing more is old and finished").isZero();

        assertThat(repo.findJob("job-old")).isEmpty();
        assertThat(repo.findTasks("job-old")).isEmpty();
        assertThat(repo.findJob("job-old2")).isEmpty();
        assertThat(repo.findTasks("job-old2")).isEmpty();
        assertThat(repo.findJob("job-active")).isPresent();
        assertThat(repo.findJob("job-recent")).isPresent();
        assertThat(repo.findJob("job-half")).as("one task is still new").isPresent();
        assertThat(repo.findTasks("job-half")).hasSize(2);
        assertThat(repo.listJobs(null, 10)).extracting(JobRecord::jobId)
                .containsExactly("job-active", "job-half", "job-recent");
    }

    @Test
    void listsJobsInIdOrderAPageAtATime() {
        for (String id : List.of("job-c", "job-a", "job-e", "job-b", "job-d")) {
            createJobWithTasks(id, T0, "p1");
        }

        assertThat(repo.listJobs(null, 2)).extracting(JobRecord::jobId).containsExactly("job-a", "job-b");
        assertThat(repo.listJobs("job-b", 2)).extracting(JobRecord::jobId).containsExactly("job-c", "job-d");
        assertThat(repo.listJobs("job-d", 2)).extracting(JobRecord::jobId).containsExactly("job-e");
        assertThat(repo.listJobs("job-e", 2)).isEmpty();
    }

    @Test
    void countsTheJobsThatStillHaveWork() {
        assertThat(repo.countActiveJobs()).isZero();
        createJobWithTasks("job-new", T0, "p1", "p2");
        createJobWithTasks("job-running", T0.plusSeconds(1), "p3");
        createJobWithTasks("job-done", T0.plusSeconds(2), "p4");
        createJobWithTasks("job-cancelled", T0.plusSeconds(3), "p5");
        assertThat(claim("w", T0.plusSeconds(5)).jobId()).isEqualTo("job-new");
        assertThat(claim("w", T0.plusSeconds(5)).jobId()).isEqualTo("job-new");
        TaskRecord running = claim("w", T0.plusSeconds(5));
        TaskRecord done = claim("w", T0.plusSeconds(5));
        repo.finish(done.taskId(), done.lease(), TaskState.COMPLETED, TaskProgress.INITIAL, null, T0.plusSeconds(6));
        repo.requestCancel("job-cancelled", T0.plusSeconds(6));

        assertThat(running.jobId()).isEqualTo("job-running");
        assertThat(repo.countActiveJobs()).isEqualTo(2);
    }

    @Test
    void countsAJobsOpenTasksDownToZeroWhenItIsFinished() {
        createJobWithTasks("job-1", T0, "p1", "p2", "p3");
        createJobWithTasks("job-2", T0.plusSeconds(1), "p4");
        assertThat(repo.countOpenTasks("job-1")).isEqualTo(3);
        TaskRecord a = claim("w", T0.plusSeconds(2));
        TaskRecord b = claim("w", T0.plusSeconds(2));
        assertThat(repo.countOpenTasks("job-1")).as("running tasks are open").isEqualTo(3);

        repo.finish(a.taskId(), a.lease(), TaskState.COMPLETED, TaskProgress.INITIAL, null, T0.plusSeconds(3));
        repo.finish(b.taskId(), b.lease(), TaskState.ERROR, TaskProgress.INITIAL, "failed", T0.plusSeconds(3));
        assertThat(repo.countOpenTasks("job-1")).isEqualTo(1);
        repo.requestCancel("job-1", T0.plusSeconds(4));
        assertThat(repo.countOpenTasks("job-1")).as("a cancelled new task is final").isZero();
        assertThat(repo.countOpenTasks("job-2")).isEqualTo(1);
        assertThat(repo.countOpenTasks("no-such-job")).isZero();
    }

    @Test
    void findsTheJobWithWorkLeftForATargetOfItsKindOnly() {
        createJobWithTasks("job-b", T0, "p1", "p2");
        createJobWithTasks("job-a", T0, "p2", "p3");
        repo.create(new JobRecord("job-bulk", JobKind.BULK_DELETE, T0, null, Map.of()),
                List.of(TaskRecord.newTask("job-bulk-t0", "job-bulk", 0, "Observation", T0)));

        assertThat(repo.findActiveJob(JobKind.PATIENT_PURGE, "p1")).contains("job-b");
        assertThat(repo.findActiveJob(JobKind.PATIENT_PURGE, "p2")).contains("job-a");
        assertThat(repo.findActiveJob(JobKind.PATIENT_PURGE, "p4")).isEmpty();
        assertThat(repo.findActiveJob(JobKind.PATIENT_PURGE, "Observation")).isEmpty();
        assertThat(repo.findActiveJob(JobKind.BULK_DELETE, "Observation")).contains("job-bulk");
        assertThat(repo.findActiveJob(JobKind.BULK_DELETE, "p1")).isEmpty();

        Instant now = T0.plusSeconds(1);
        List<TaskRecord> running = repo.claimUpTo("w", now, now.plus(LEASE), 10);
        assertThat(repo.findActiveJob(JobKind.PATIENT_PURGE, "p3")).as("processing").contains("job-a");
        for (TaskRecord t : running) {
            if (t.target().equals("p2") || t.target().equals("p3")) {
                repo.finish(t.taskId(), t.lease(), TaskState.COMPLETED, TaskProgress.INITIAL, null, now);
            }
        }
        assertThat(repo.findActiveJob(JobKind.PATIENT_PURGE, "p2")).isEmpty();
        assertThat(repo.findActiveJob(JobKind.PATIENT_PURGE, "p3")).isEmpty();
        repo.requestCancel("job-b", now);
        assertThat(repo.findActiveJob(JobKind.PATIENT_PURGE, "p1")).as("cancel requested, still running")
                .contains("job-b");
    }

    @Test
    void aClaimLeasesANewTaskToItsOwner() {
        createJobWithTasks("job-1", T0, "p1");
        Instant now = T0.plusSeconds(1);

        TaskRecord claimed = claim("worker-a", now);

        assertThat(claimed.taskId()).isEqualTo("job-1-t0");
        assertThat(claimed.state()).isEqualTo(TaskState.PROCESSING);
        assertThat(claimed.lease()).isEqualTo(new Lease("worker-a", now.plus(LEASE), 1));
        assertThat(claimed.updatedAt()).isEqualTo(now);
        assertThat(task("job-1-t0")).isEqualTo(claimed);
        assertThat(repo.claim("worker-b", now, now.plus(LEASE))).isEmpty();
    }

    @Test
    void olderJobsAreClaimedFirst() {
        createJobWithTasks("job-z", T0, "p1");
        createJobWithTasks("job-y", T0.plusSeconds(10), "p2");
        createJobWithTasks("job-x", T0.plusSeconds(20), "p3");
        Instant now = T0.plusSeconds(30);

        assertThat(claim("w", now).jobId()).isEqualTo("job-z");
        assertThat(claim("w", now).jobId()).isEqualTo("job-y");
        assertThat(claim("w", now).jobId()).isEqualTo("job-x");
        assertThat(repo.claim("w", now, now.plus(LEASE))).isEmpty();
    }

    @Test
    void anExpiredLeaseIsTakenOverWithTheNextFenceAndTheStaleOwnerIsRefused() {
        createJobWithTasks("job-1", T0, "p1");
        TaskRecord a = claim("worker-a", T0);
        repo.checkpoint(a.taskId(), a.lease(), someProgress(), T0.plusSeconds(5));

        assertThat(repo.claim("worker-b", T0.plus(LEASE).minusMillis(1), T0.plus(LEASE).plus(LEASE))).isEmpty();
        TaskRecord b = claim("worker-b", T0.plus(LEASE));

        assertThat(b.taskId()).isEqualTo(a.taskId());
        assertThat(b.lease().owner()).isEqualTo("worker-b");
        assertThat(b.lease().fence()).isEqualTo(2);
        assertThat(b.progress()).as("takeover resumes from the checkpoint").isEqualTo(someProgress());

        Instant later = T0.plus(LEASE).plusSeconds(1);
        TaskProgress stale = new TaskProgress(1L, Map.of("Observation", 99L), "stale", 1, List.of());
        assertThatThrownBy(() -> repo.checkpoint(a.taskId(), a.lease(), stale, later))
                .isInstanceOf(LeaseLostException.class)
                .satisfies(e -> assertThat(((LeaseLostException) e).taskId()).isEqualTo(a.taskId()));
        assertThatThrownBy(() -> repo.heartbeat(a.taskId(), a.lease(), later.plus(LEASE), later))
                .isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> repo.finish(a.taskId(), a.lease(), TaskState.COMPLETED, stale, null, later))
                .isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> repo.release(a.taskId(), a.lease(), later))
                .isInstanceOf(LeaseLostException.class);

        assertThat(task(a.taskId())).isEqualTo(b);
    }

    @Test
    void theSameOwnerWithAnOldFenceIsRefusedToo() {
        createJobWithTasks("job-1", T0, "p1");
        TaskRecord first = claim("worker-a", T0);
        TaskRecord second = claim("worker-a", T0.plus(LEASE));

        assertThat(second.lease().fence()).isEqualTo(first.lease().fence() + 1);
        assertThatThrownBy(() -> repo.checkpoint(first.taskId(), first.lease(), someProgress(), T0.plus(LEASE)))
                .isInstanceOf(LeaseLostException.class);
        repo.checkpoint(second.taskId(), second.lease(), someProgress(), T0.plus(LEASE));
    }

    @Test
    void aHeartbeatExtendsTheLease() {
        createJobWithTasks("job-1", T0, "p1");
        TaskRecord a = claim("worker-a", T0);

        Instant beat = T0.plusSeconds(20);
        assertThat(repo.heartbeat(a.taskId(), a.lease(), beat.plus(LEASE), beat)).isEqualTo(TaskControl.CONTINUE);

        assertThat(repo.claim("worker-b", T0.plus(LEASE), T0.plus(LEASE).plus(LEASE))).isEmpty();
        assertThat(task(a.taskId()).lease()).isEqualTo(new Lease("worker-a", beat.plus(LEASE), 1));
        Lease extended = task(a.taskId()).lease();
        repo.checkpoint(a.taskId(), extended, someProgress(), beat.plusSeconds(1));
    }

    @Test
    void claimUpToLeasesSeveralTasksInClaimOrderAndNoMoreThanAsked() {
        createJobWithTasks("job-b", T0.plusSeconds(5), "p3", "p4");
        createJobWithTasks("job-a", T0, "p1", "p2");
        Instant now = T0.plusSeconds(10);

        List<TaskRecord> first = repo.claimUpTo("worker-a", now, now.plus(LEASE), 3);

        assertThat(first).extracting(TaskRecord::target).containsExactly("p1", "p2", "p3");
        for (TaskRecord t : first) {
            assertThat(t.state()).isEqualTo(TaskState.PROCESSING);
            assertThat(t.lease()).isEqualTo(new Lease("worker-a", now.plus(LEASE), 1));
            assertThat(task(t.taskId())).isEqualTo(t);
        }
        assertThat(repo.claimUpTo("worker-b", now, now.plus(LEASE), 3)).extracting(TaskRecord::target)
                .containsExactly("p4");
        assertThat(repo.claimUpTo("worker-b", now, now.plus(LEASE), 3)).isEmpty();
        Instant expired = now.plus(LEASE);
        assertThat(repo.claimUpTo("worker-c", expired, expired.plus(LEASE), 10))
                .allSatisfy(t -> assertThat(t.lease().fence()).isEqualTo(2)).hasSize(4);
    }

    @Test
    void tasksWhoseLeaseEndedAndNewTasksAreClaimedTogetherInJobOrder() {
        createJobWithTasks("job-a", T0, "p1");
        createJobWithTasks("job-c", T0.plusSeconds(10), "p3");
        List<TaskRecord> crashed = repo.claimUpTo("worker-a", T0.plusSeconds(20), T0.plusSeconds(20).plus(LEASE), 2);
        assertThat(crashed).extracting(TaskRecord::target).containsExactly("p1", "p3");
        createJobWithTasks("job-b", T0.plusSeconds(5), "p2"); // older than job-c, stored after its claim
        createJobWithTasks("job-d", T0.plusSeconds(15), "p4");
        Instant ended = T0.plusSeconds(20).plus(LEASE);

        List<TaskRecord> first = repo.claimUpTo("worker-b", ended, ended.plus(LEASE), 3);

        assertThat(first).extracting(TaskRecord::target).containsExactly("p1", "p2", "p3");
        assertThat(first).extracting(t -> t.lease().fence()).containsExactly(2L, 1L, 2L);
        assertThat(repo.claimUpTo("worker-b", ended, ended.plus(LEASE), 3)).extracting(TaskRecord::target)
                .containsExactly("p4");
        assertThat(repo.claim("worker-b", ended, ended.plus(LEASE))).isEmpty();
    }

    @Test
    void writeAllCheckpointsAndFinishesEachTaskAndAnswersALostLeaseWithoutStoppingTheOthers() {
        createJobWithTasks("job-1", T0, "p1", "p2", "p3");
        createJobWithTasks("job-2", T0, "p4");
        TaskRecord a = claim("worker-a", T0);
        TaskRecord b = claim("worker-a", T0);
        TaskRecord c = claim("worker-a", T0);
        TaskRecord d = claim("worker-a", T0);
        repo.requestCancel("job-2", T0.plusSeconds(1));
        Lease stale = new Lease("worker-a", b.lease().until(), b.lease().fence() + 1);
        Instant at = T0.plusSeconds(2);

        List<TaskControl> checkpoints = repo.writeAll(List.of(
                TaskUpdate.checkpoint(a.taskId(), a.lease(), someProgress()),
                TaskUpdate.checkpoint(b.taskId(), stale, someProgress()),
                TaskUpdate.checkpoint(d.taskId(), d.lease(), someProgress())), at);

        assertThat(checkpoints).containsExactly(TaskControl.CONTINUE, TaskControl.LEASE_LOST,
                TaskControl.CANCEL_REQUESTED);
        assertThat(task(a.taskId()).progress()).isEqualTo(someProgress());
        assertThat(task(a.taskId()).updatedAt()).isEqualTo(at);
        assertThat(task(b.taskId()).progress()).isEqualTo(TaskProgress.INITIAL);
        assertThat(task(b.taskId()).updatedAt()).isEqualTo(T0);

        TaskProgress done = new TaskProgress(7L, Map.of("Observation", 7L), null, 1, List.of());
        List<TaskControl> finals = repo.writeAll(List.of(
                TaskUpdate.finish(a.taskId(), a.lease(), TaskState.COMPLETED, done, null),
                TaskUpdate.finish(b.taskId(), stale, TaskState.COMPLETED, done, null),
                TaskUpdate.finish(c.taskId(), c.lease(), TaskState.ERROR, TaskProgress.INITIAL, "referrers"),
                TaskUpdate.finish(d.taskId(), d.lease(), TaskState.CANCELLED, TaskProgress.INITIAL, null)),
                at.plusSeconds(1));

        assertThat(finals).containsExactly(TaskControl.CONTINUE, TaskControl.LEASE_LOST, TaskControl.CONTINUE,
                TaskControl.CONTINUE);
        assertThat(task(a.taskId()).state()).isEqualTo(TaskState.COMPLETED);
        assertThat(task(a.taskId()).progress()).isEqualTo(done);
        assertThat(task(b.taskId()).state()).isEqualTo(TaskState.PROCESSING);
        assertThat(task(c.taskId()).state()).isEqualTo(TaskState.ERROR);
        assertThat(task(c.taskId()).errorReason()).isEqualTo("referrers");
        assertThat(task(d.taskId()).state()).isEqualTo(TaskState.CANCELLED);
        assertThat(repo.writeAll(List.of(), at)).isEmpty();
        assertThat(repo.writeAll(List.of(TaskUpdate.checkpoint(a.taskId(), a.lease(), done)), at))
                .containsExactly(TaskControl.LEASE_LOST);
    }

    @Test
    void writeAllStoresEachTasksOwnValuesForALargeGroup() {
        int n = 150;
        String[] targets = new String[n];
        for (int i = 0; i < n; i++) {
            targets[i] = "p" + i;
        }
        createJobWithTasks("job-1", T0, targets);
        List<TaskRecord> claimed = repo.claimUpTo("worker-a", T0, T0.plus(LEASE), n);
        assertThat(claimed).hasSize(n);
        Instant at = T0.plusSeconds(4);

        List<TaskUpdate> mixed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TaskRecord t = claimed.get(i);
            mixed.add(i % 3 == 0
                    ? TaskUpdate.finish(t.taskId(), t.lease(), i % 2 == 0 ? TaskState.COMPLETED : TaskState.ERROR,
                            progressNumbered(i), i % 2 == 0 ? null : "reason " + i)
                    : TaskUpdate.checkpoint(t.taskId(), t.lease(), progressNumbered(i)));
        }
        Collections.shuffle(mixed, new Random(7));

        assertThat(repo.writeAll(mixed, at)).hasSize(n).containsOnly(TaskControl.CONTINUE);

        for (int i = 0; i < n; i++) {
            TaskRecord stored = task(claimed.get(i).taskId());
            assertThat(stored.target()).isEqualTo(claimed.get(i).target());
            assertThat(stored.progress()).as("task %d", i).isEqualTo(progressNumbered(i));
            assertThat(stored.updatedAt()).isEqualTo(at);
            assertThat(stored.state()).isEqualTo(i % 3 != 0 ? TaskState.PROCESSING
                    : i % 2 == 0 ? TaskState.COMPLETED : TaskState.ERROR);
            assertThat(stored.errorReason()).isEqualTo(i % 3 == 0 && i % 2 != 0 ? "reason " + i : null);
        }
    }

    /** A progress whose every field says which task it belongs to (the total is absent for every fifth). */
    private static TaskProgress progressNumbered(int i) {
        return new TaskProgress(i % 5 == 0 ? null : (long) i, Map.of("Observation", (long) i), "cursor-" + i, i + 1,
                List.of(ResourceKey.of("Observation", "o" + i)),
                ErasureDigest.of(List.of(ResourceKey.of("Observation", "d" + i))), i + 1,
                List.of(ResourceKey.of("Group", "g" + i)));
    }

    @Test
    void aCheckpointStoresEveryFieldOfTheProgress() {
        createJobWithTasks("job-1", T0, "p1");
        TaskRecord a = claim("worker-a", T0);
        Instant at = T0.plusSeconds(3);

        assertThat(repo.checkpoint(a.taskId(), a.lease(), someProgress(), at)).isEqualTo(TaskControl.CONTINUE);

        TaskRecord stored = task(a.taskId());
        assertThat(stored.progress()).isEqualTo(someProgress());
        assertThat(stored.updatedAt()).isEqualTo(at);
        assertThat(stored.state()).isEqualTo(TaskState.PROCESSING);

        TaskProgress cleared = new TaskProgress(42L, Map.of("Observation", 12L), null, 3, List.of());
        repo.checkpoint(a.taskId(), a.lease(), cleared, at.plusSeconds(1));
        assertThat(task(a.taskId()).progress()).isEqualTo(cleared);
    }

    @Test
    void aFinishedTaskKeepsItsStateAndReasonAndIsNeverClaimedAgain() {
        createJobWithTasks("job-1", T0, "p1", "p2");
        TaskRecord a = claim("worker-a", T0);
        TaskRecord b = claim("worker-a", T0);
        TaskProgress done = new TaskProgress(5L, Map.of("Observation", 5L), null, 2, List.of());

        repo.finish(a.taskId(), a.lease(), TaskState.COMPLETED, done, null, T0.plusSeconds(1));
        repo.finish(b.taskId(), b.lease(), TaskState.ERROR, TaskProgress.INITIAL, "store refused: disk full",
                T0.plusSeconds(2));

        assertThat(task(a.taskId()).state()).isEqualTo(TaskState.COMPLETED);
        assertThat(task(a.taskId()).progress()).isEqualTo(done);
        assertThat(task(a.taskId()).updatedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(task(b.taskId()).state()).isEqualTo(TaskState.ERROR);
        assertThat(task(b.taskId()).errorReason()).isEqualTo("store refused: disk full");
        Instant muchLater = T0.plus(Duration.ofDays(1));
        assertThat(repo.claim("worker-b", muchLater, muchLater.plus(LEASE))).isEmpty();
        assertThatThrownBy(() -> repo.checkpoint(a.taskId(), a.lease(), done, T0.plusSeconds(3)))
                .isInstanceOf(LeaseLostException.class);
    }

    @Test
    void aReleasedTaskCanBeClaimedAtOnceAndKeepsItsProgress() {
        createJobWithTasks("job-1", T0, "p1");
        TaskRecord a = claim("worker-a", T0);
        repo.checkpoint(a.taskId(), a.lease(), someProgress(), T0.plusSeconds(1));

        repo.release(a.taskId(), a.lease(), T0.plusSeconds(2));
        TaskRecord b = claim("worker-b", T0.plusSeconds(2));

        assertThat(b.taskId()).isEqualTo(a.taskId());
        assertThat(b.lease().fence()).isEqualTo(2);
        assertThat(b.progress()).isEqualTo(someProgress());
    }

    @Test
    void cancelStopsNewTasksAtOnceAndFlagsRunningOnes() {
        createJobWithTasks("job-1", T0, "p1", "p2", "p3");
        TaskRecord running = claim("worker-a", T0);
        TaskRecord finished = claim("worker-a", T0);
        repo.finish(finished.taskId(), finished.lease(), TaskState.COMPLETED, TaskProgress.INITIAL, null, T0);
        Instant at = T0.plusSeconds(4);

        assertThat(repo.requestCancel("job-1", at)).isEqualTo(2);

        assertThat(task("job-1-t2").state()).isEqualTo(TaskState.CANCELLED);
        assertThat(task("job-1-t2").updatedAt()).isEqualTo(at);
        assertThat(task(running.taskId()).state()).isEqualTo(TaskState.PROCESSING);
        assertThat(task(running.taskId()).cancelRequested()).isTrue();
        assertThat(task(finished.taskId()).state()).isEqualTo(TaskState.COMPLETED);
        assertThat(task(finished.taskId()).cancelRequested()).isFalse();
        assertThat(repo.checkpoint(running.taskId(), running.lease(), someProgress(), at.plusSeconds(1)))
                .isEqualTo(TaskControl.CANCEL_REQUESTED);
        assertThat(repo.heartbeat(running.taskId(), running.lease(), at.plus(LEASE), at.plusSeconds(1)))
                .isEqualTo(TaskControl.CANCEL_REQUESTED);
        assertThat(repo.claim("worker-b", at, at.plus(LEASE))).isEmpty();

        repo.finish(running.taskId(), running.lease(), TaskState.CANCELLED, someProgress(), null, at.plusSeconds(2));
        assertThat(task(running.taskId()).state()).isEqualTo(TaskState.CANCELLED);
        assertThat(repo.requestCancel("job-1", at.plusSeconds(3))).isZero();
        assertThat(repo.requestCancel("unknown", at)).isZero();
    }

    @Test
    void aCancelRequestedTaskWhoseOwnerDiedIsClaimedWithTheFlagSet() {
        createJobWithTasks("job-1", T0, "p1");
        TaskRecord a = claim("worker-a", T0);
        repo.checkpoint(a.taskId(), a.lease(), someProgress(), T0.plusSeconds(1));
        repo.requestCancel("job-1", T0.plusSeconds(2));

        TaskRecord b = claim("worker-b", T0.plus(LEASE));

        assertThat(b.cancelRequested()).isTrue();
        assertThat(b.progress().pending()).isEqualTo(someProgress().pending());
    }

    @Test
    void racingOwnersNeverClaimTheSameTask() throws Exception {
        int taskCount = 60;
        String[] targets = new String[taskCount];
        for (int i = 0; i < taskCount; i++) {
            targets[i] = "p" + i;
        }
        createJobWithTasks("job-race", T0, targets);
        JobRepository second = createSecondRepository();
        Map<String, String> claimedBy = new ConcurrentHashMap<>();
        List<String> duplicates = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                JobRepository r = w % 2 == 0 ? repo : second;
                String owner = "worker-" + w;
                futures.add(pool.submit(() -> {
                    start.await();
                    Instant now = T0.plusSeconds(1);
                    List<TaskRecord> batch;
                    // Half the owners claim one task at a time, the other half several at once.
                    while (!(batch = r.claimUpTo(owner, now, now.plus(LEASE), owner.endsWith("0")
                            || owner.endsWith("1") ? 1 : 3)).isEmpty()) {
                        for (TaskRecord t : batch) {
                            if (claimedBy.putIfAbsent(t.taskId(), owner) != null) {
                                duplicates.add(t.taskId());
                            }
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(duplicates).isEmpty();
        assertThat(claimedBy).hasSize(taskCount);
        for (TaskRecord t : repo.findTasks("job-race")) {
            assertThat(t.lease().owner()).isEqualTo(claimedBy.get(t.taskId()));
            assertThat(t.lease().fence()).isEqualTo(1);
        }
    }
}
