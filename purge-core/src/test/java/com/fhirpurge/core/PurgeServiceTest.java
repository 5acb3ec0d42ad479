package com.fhirpurge.core;

import static com.fhirpurge.spi.contract.TestResources.PATIENT_COMPARTMENT;
import static com.fhirpurge.spi.contract.TestResources.aPatient;
import static com.fhirpurge.spi.contract.TestResources.aResource;
import static com.fhirpurge.spi.contract.TestResources.anObservationOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.atLeast;
import static org.mockito.Mockito.atMost;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import com.fhirpurge.core.memory.InMemoryJobRepository;
import com.fhirpurge.core.memory.InMemoryResourceStore;
import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.core.audit.AuditEventErasureAudit;
import com.fhirpurge.spi.ErasureAudit;
import com.fhirpurge.spi.ErasureEvent;
import com.fhirpurge.spi.ErasureRecord;
import com.fhirpurge.spi.ErasureListener;
import com.fhirpurge.spi.Footprint;
import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.Lease;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceFinder;
import com.fhirpurge.spi.TaskUpdate;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.StoreException;
import com.fhirpurge.spi.TaskRecord;
import com.fhirpurge.spi.TaskState;
import com.fhirpurge.spi.contract.MutableClock;
import com.fhirpurge.spi.contract.ScriptedEraser;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/** The engine end to end on the in-memory store: counts, progress, cancel, crashes, stale leases, failures. */
class PurgeServiceTest {

    private static final Instant T0 = Instant.parse("2026-05-01T08:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final InMemoryResourceStore store = new InMemoryResourceStore();
    private final InMemoryJobRepository jobs = new InMemoryJobRepository();
    private final MutableClock clock = new MutableClock(T0);
    private final List<PurgeService> services = new ArrayList<>();
    private final Map<ResourceKey, Integer> erasedEvents = new ConcurrentHashMap<>();
    private final Map<String, List<ResourceKey>> eventsByTask = new ConcurrentHashMap<>();
    private final List<ErasureRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<ErasureAudit> extraAudits = new ArrayList<>();

    @AfterEach
    void closeServices() {
        services.forEach(PurgeService::close);
    }

    private static PurgeConfig.Builder config(String node) {
        return PurgeConfig.builder()
                .nodeId(node)
                .batchSize(7)
                .workers(2)
                .pollInterval(Duration.ofMillis(5))
                .heartbeatInterval(Duration.ofMillis(100))
                .leaseDuration(Duration.ofSeconds(30))
                .retry(4, Duration.ofMillis(1), Duration.ofMillis(4))
                .shutdownTimeout(Duration.ofSeconds(10))
                .compartment(PATIENT_COMPARTMENT);
    }

    private PurgeService service(ResourceEraser eraser, PurgeConfig config) {
        return service(store, eraser, jobs, config);
    }

    private PurgeService service(ResourceFinder finder, ResourceEraser eraser, JobRepository repository,
                                 PurgeConfig config) {
        ErasureListener counting = (ErasureEvent e) -> {
            e.resources().forEach(k -> erasedEvents.merge(k, 1, Integer::sum));
            eventsByTask.computeIfAbsent(e.taskId(), t -> Collections.synchronizedList(new ArrayList<>()))
                    .addAll(e.resources());
        };
        PurgeStorage storage = PurgeStorage.of(finder, eraser, repository).withListener(counting)
                .withAudit(records::add);
        for (ErasureAudit audit : extraAudits) {
            storage = storage.withAudit(audit);
        }
        PurgeService s = PurgeService.builder(storage).config(config).clock(clock).build();
        services.add(s);
        return s;
    }

    private PurgeService started(ResourceEraser eraser, PurgeConfig config) {
        return service(eraser, config).start();
    }

    /** Writes a patient with {@code count} compartment members (itself included), a third of them with history. */
    private List<ResourceKey> aPatientWith(String patientId, int count) {
        List<ResourceWrite> writes = new ArrayList<>();
        List<ResourceKey> keys = new ArrayList<>();
        if (count > 0) {
            writes.add(aPatient(patientId).build());
            keys.add(ResourceKey.of("Patient", patientId));
        }
        for (int i = 1; i < count; i++) {
            String id = String.format("%s-r%04d", patientId, i);
            ResourceWrite w = i % 4 == 0
                    ? aResource("Encounter", id).referencing("patient", "Patient/" + patientId).build()
                    : anObservationOf(id, patientId).build();
            writes.add(w);
            if (i % 3 == 0) {
                writes.add(w);
            }
            keys.add(w.key());
        }
        store.write(writes);
        return keys;
    }

    /** Other patients' data and outside resources that point into the purged compartments. */
    private Map<ResourceKey, Footprint> aControlSetReferencing(String purgedPatientId) {
        List<ResourceKey> keys = new ArrayList<>(aPatientWith("control", 20));
        ResourceWrite list = aResource("List", "practitioner-list")
                .referencing("item", "Observation/" + purgedPatientId + "-r0001").build();
        ResourceWrite performedByPurged = anObservationOf("performed-for-other", "other")
                .build();
        store.write(List.of(list, performedByPurged));
        keys.add(list.key());
        keys.add(performedByPurged.key());
        Map<ResourceKey, Footprint> before = new HashMap<>();
        keys.forEach(k -> before.put(k, store.footprint(k)));
        return before;
    }

    private void assertNoResidue(List<ResourceKey> keys, String... patientIds) {
        for (ResourceKey k : keys) {
            assertThat(store.footprint(k)).as("residue of %s", k).isEqualTo(Footprint.NONE);
        }
        for (String p : patientIds) {
            assertThat(store.countMembers(new CompartmentScope(PATIENT_COMPARTMENT, p))).isZero();
        }
    }

    private void assertUntouched(Map<ResourceKey, Footprint> before) {
        before.forEach((k, f) -> assertThat(store.footprint(k)).as("control %s", k).isEqualTo(f));
    }

    private static PatientStatus patient(PurgeJobStatus status, String patientId) {
        return status.patients().stream().filter(p -> p.patientId().equals(patientId)).findFirst().orElseThrow();
    }

    @Test
    void aClaimThatLosesARaceIsTriedAgainAtOnceNotAfterThePollInterval() throws Exception {
        aPatientWith("p1", 20);
        JobRepository racing = spy(jobs);
        doThrow(new StoreException("Deadlock found when trying to get lock", null, true, "40001"))
                .doCallRealMethod().when(racing).claim(any(), any(), any());
        PurgeService purge = service(store, store, racing, config("node").workers(1)
                .pollInterval(Duration.ofMinutes(10)).build());
        String jobId = purge.submitPatientPurge("p1", null);
        purge.start();

        PurgeJobStatus done = purge.awaitTermination(jobId, WAIT);
        assertThat(done.state()).as("claimed on the second try, not ten minutes later").isEqualTo(
                TaskState.COMPLETED);
        assertThat(done.purgedResourcesCount()).isEqualTo(20);
        verify(racing, atLeast(2)).claim(any(), any(), any());
    }

    @Test
    void aWaiterCountsTheOpenTasksAndReadsEveryTaskOnlyAtTheStartTheEndAndTheTimeout() throws Exception {
        aPatientWith("p1", 40);
        aPatientWith("p2", 40);
        JobRepository watched = spy(jobs);
        PurgeService waiter = service(store, store, watched, config("waiter").build()); // no workers of its own
        String jobId = waiter.submitPatientPurge(new PurgeRequest(List.of("p1", "p2"), null));

        PurgeJobStatus timedOut = waiter.awaitTermination(jobId, Duration.ofMillis(200));
        assertThat(timedOut.isFinished()).isFalse();
        verify(watched, times(2)).findTasks(jobId); // at the start and at the timeout
        verify(watched, atLeast(2)).countOpenTasks(jobId);

        clearInvocations(watched);
        started(store, config("worker").build());
        PurgeJobStatus done = waiter.awaitTermination(jobId, WAIT);
        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.purgedResourcesCount()).isEqualTo(80);
        verify(watched, atMost(2)).findTasks(jobId); // at the start and when none was open
    }

    @Test
    void purgesEveryPatientToCompletionWithExactCounts() throws Exception {
        List<ResourceKey> p1 = aPatientWith("p1", 120);
        List<ResourceKey> p2 = aPatientWith("p2", 1);
        List<ResourceKey> p3 = aPatientWith("p3", 33);
        Map<ResourceKey, Footprint> control = aControlSetReferencing("p1");
        PurgeService purge = started(store, config("a").build());

        String jobId = purge.submitPatientPurge(new PurgeRequest(List.of("p1", "p2", "p3", "p1", "nobody"),
                "system/test"));
        PurgeJobStatus done = purge.awaitTermination(jobId, WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.requestedBy()).isEqualTo("system/test");
        assertThat(done.patients()).extracting(PatientStatus::patientId).containsExactly("p1", "p2", "p3", "nobody");
        assertThat(done.patients()).allSatisfy(p -> assertThat(p.state()).isEqualTo(TaskState.COMPLETED));
        assertThat(patient(done, "p1").totalResourcesCount()).isEqualTo(120);
        assertThat(patient(done, "p1").purgedResourcesCount()).isEqualTo(120);
        assertThat(patient(done, "p1").purgedByType()).containsEntry("Patient", 1L).containsEntry("Encounter", 29L)
                .containsEntry("Observation", 90L);
        assertThat(patient(done, "p2").purgedResourcesCount()).isEqualTo(1);
        assertThat(patient(done, "p3").purgedResourcesCount()).isEqualTo(33);
        assertThat(patient(done, "nobody").totalResourcesCount()).isZero();
        assertThat(patient(done, "nobody").purgedResourcesCount()).isZero();
        assertNoResidue(p1, "p1");
        assertNoResidue(p2, "p2");
        assertNoResidue(p3, "p3");
        assertUntouched(control);
        assertThat(erasedEvents).hasSize(154).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void purgesTheCompartmentOfAPatientWhoseResourceIsAlreadyGone() throws Exception {
        List<ResourceKey> orphans = aPatientWith("gone", 10);
        store.hardDelete(List.of(ResourceKey.of("Patient", "gone")));
        PurgeService purge = started(store, config("a").build());

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge("gone", null), WAIT);

        assertThat(patient(done, "gone").state()).isEqualTo(TaskState.COMPLETED);
        assertThat(patient(done, "gone").purgedResourcesCount()).isEqualTo(9);
        assertNoResidue(orphans, "gone");
    }

    @Test
    void progressIsVisibleWhileAPatientIsBeingPurged() throws Exception {
        aPatientWith("p1", 50);
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        ScriptedEraser eraser = new ScriptedEraser(store).before((n, batch) -> {
            if (n == 4) {
                paused.countDown();
                resume.await();
            }
        });
        PurgeService purge = started(eraser, config("a").build());
        String jobId = purge.submitPatientPurge("p1", null);

        assertThat(paused.await(30, TimeUnit.SECONDS)).isTrue();
        PurgeJobStatus mid = purge.status(jobId);
        resume.countDown();

        assertThat(mid.state()).isEqualTo(TaskState.PROCESSING);
        assertThat(patient(mid, "p1").state()).isEqualTo(TaskState.PROCESSING);
        assertThat(patient(mid, "p1").totalResourcesCount()).isEqualTo(50);
        assertThat(patient(mid, "p1").purgedResourcesCount()).isEqualTo(21);
        assertThat(purge.awaitTermination(jobId, WAIT).purgedResourcesCount()).isEqualTo(50);
    }

    @Test
    void cancelStopsAtABatchBoundaryAndTheCountsStayTrue() throws Exception {
        List<ResourceKey> p1 = aPatientWith("p1", 60);
        aPatientWith("p2", 10);
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        ScriptedEraser eraser = new ScriptedEraser(store).before((n, batch) -> {
            if (n == 3) {
                paused.countDown();
                resume.await();
            }
        });
        PurgeService purge = started(eraser, config("a").workers(1).build());
        String jobId = purge.submitPatientPurge(PurgeRequest.of("p1", "p2"));
        assertThat(paused.await(30, TimeUnit.SECONDS)).isTrue();

        PurgeJobStatus requested = purge.cancel(jobId);
        resume.countDown();
        PurgeJobStatus done = purge.awaitTermination(jobId, WAIT);

        assertThat(patient(requested, "p2").state()).isEqualTo(TaskState.CANCELLED);
        assertThat(done.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(patient(done, "p1").state()).isEqualTo(TaskState.CANCELLED);
        long remaining = p1.stream().filter(k -> store.read(k).isPresent()).count();
        assertThat(patient(done, "p1").purgedResourcesCount()).isEqualTo(21).isEqualTo(60 - remaining);
        assertThat(patient(done, "p2").purgedResourcesCount()).isZero();
        assertThat(store.countMembers(new CompartmentScope(PATIENT_COMPARTMENT, "p2"))).isEqualTo(10);
        assertThat(purge.cancel(jobId).state()).isEqualTo(TaskState.CANCELLED);
    }

    @Test
    void aWorkerKilledAfterACommittedBatchIsResumedByAnotherNodeWithExactCounts() throws Exception {
        List<ResourceKey> p1 = aPatientWith("p1", 80);
        Map<ResourceKey, Footprint> control = aControlSetReferencing("p1");
        ScriptedEraser dying = new ScriptedEraser(store).after((n, batch) -> {
            if (n == 3) {
                throw new SimulatedCrash();
            }
        });
        PurgeService nodeA = started(dying, config("node-a").workers(1).build());
        String jobId = nodeA.submitPatientPurge("p1", null);
        awaitCalls(dying, 3);
        nodeA.close();
        TaskRecord left = jobs.findTasks(jobId).get(0);
        assertThat(left.state()).isEqualTo(TaskState.PROCESSING);
        assertThat(left.progress().pending()).as("the committed batch was never checkpointed").hasSize(7);
        assertThat(left.progress().erasedCount()).isEqualTo(14);

        clock.advance(Duration.ofSeconds(31));
        PurgeService nodeB = started(store, config("node-b").build());
        PurgeJobStatus done = nodeB.awaitTermination(jobId, WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(patient(done, "p1").purgedResourcesCount()).isEqualTo(80);
        assertThat(patient(done, "p1").totalResourcesCount()).isEqualTo(80);
        assertThat(jobs.findTasks(jobId).get(0).lease().owner()).startsWith("node-b");
        assertThat(jobs.findTasks(jobId).get(0).lease().fence()).isEqualTo(2);
        assertNoResidue(p1, "p1");
        assertUntouched(control);
    }

    @Test
    void aRecoveredBatchLeavesAloneWhatStoppedBeingAMemberWhileItsWorkerWasDead() throws Exception {
        List<ResourceKey> p1 = aPatientWith("p1", 40);
        ScriptedEraser dying = new ScriptedEraser(store).before((n, batch) -> {
            if (n == 2) {
                throw new SimulatedCrash();
            }
        });
        PurgeService nodeA = started(dying, config("node-a").workers(1).build());
        String jobId = nodeA.submitPatientPurge("p1", null);
        awaitCalls(dying, 2);
        nodeA.close();
        List<ResourceKey> pending = jobs.findTasks(jobId).get(0).progress().pending();
        assertThat(pending).as("announced, never erased").hasSize(7);
        ResourceKey moved = pending.stream().filter(k -> k.type().equals("Observation")).findFirst().orElseThrow();
        store.write(List.of(anObservationOf(moved.id(), "p2").note("re-filed to p2").build()));

        clock.advance(Duration.ofSeconds(31));
        PurgeJobStatus done = started(store, config("node-b").build()).awaitTermination(jobId, WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(store.read(moved)).as("moved to p2 before the purge reached it").isPresent();
        assertThat(patient(done, "p1").purgedResourcesCount()).isEqualTo(39);
        assertThat(patient(done, "p1").totalResourcesCount()).isEqualTo(39);
        assertNoResidue(p1.stream().filter(k -> !k.equals(moved)).toList(), "p1");
    }

    @Test
    void aBatchWhoseCommitFailedAfterTheDatabaseCommittedIsCountedOnce() throws Exception {
        List<ResourceKey> p1 = aPatientWith("p1", 30);
        ScriptedEraser lostCommit = new ScriptedEraser(store).after((n, batch) -> {
            if (n == 2) {
                throw new StoreException("connection reset during COMMIT", null, true, "08006");
            }
        });
        PurgeService purge = started(lostCommit, config("a").build());

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge("p1", null), WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(patient(done, "p1").purgedResourcesCount()).isEqualTo(30);
        assertThat(erasedEvents).hasSize(30).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
        assertNoResidue(p1, "p1");
    }

    @Test
    void aStaleWorkerIsRefusedAtItsNextCheckpointAndNothingIsCountedTwice() throws Exception {
        List<ResourceKey> p1 = aPatientWith("p1", 40);
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        ScriptedEraser stalling = new ScriptedEraser(store).before((n, batch) -> {
            if (n == 2) {
                paused.countDown();
                resume.await();
            }
        });
        PurgeConfig noHeartbeatInTime = config("node-a").workers(1).heartbeatInterval(Duration.ofSeconds(60))
                .leaseDuration(Duration.ofMinutes(2)).build();
        PurgeService nodeA = started(stalling, noHeartbeatInTime);
        String jobId = nodeA.submitPatientPurge("p1", null);
        assertThat(paused.await(30, TimeUnit.SECONDS)).isTrue();

        clock.advance(Duration.ofMinutes(3));
        PurgeService nodeB = started(store, config("node-b").build());
        PurgeJobStatus done = nodeB.awaitTermination(jobId, WAIT);
        resume.countDown();
        nodeA.close();

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(jobs.findTasks(jobId).get(0).lease().owner()).startsWith("node-b");
        assertThat(nodeB.status(jobId).patients().get(0).purgedResourcesCount()).isEqualTo(40);
        assertThat(nodeB.status(jobId).state()).isEqualTo(TaskState.COMPLETED);
        assertNoResidue(p1, "p1");
    }

    @Test
    void transientStoreFailuresAreRetried() throws Exception {
        List<ResourceKey> p1 = aPatientWith("p1", 30);
        AtomicInteger failures = new AtomicInteger();
        ScriptedEraser flaky = new ScriptedEraser(store).before((n, batch) -> {
            if (n == 2 || n == 3) {
                failures.incrementAndGet();
                throw new StoreException("connection reset", null, true, "08006");
            }
        });
        PurgeService purge = started(flaky, config("a").build());

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge("p1", null), WAIT);

        assertThat(failures).hasValue(2);
        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.purgedResourcesCount()).isEqualTo(30);
        assertNoResidue(p1, "p1");
    }

    @Test
    void aPermanentFailureEndsThatPatientInErrorWithItsReasonAndOthersGoOn() throws Exception {
        aPatientWith("bad", 20);
        List<ResourceKey> good = aPatientWith("good", 20);
        ScriptedEraser failing = new ScriptedEraser(store).before((n, batch) -> {
            if (batch.contains(ResourceKey.of("Patient", "bad"))) {
                throw new StoreException("permission denied for table resource", null, false, "42501");
            }
        });
        PurgeService purge = started(failing, config("a").build());

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge(PurgeRequest.of("bad", "good")), WAIT);

        assertThat(done.state()).isEqualTo(TaskState.ERROR);
        PatientStatus bad = patient(done, "bad");
        assertThat(bad.state()).isEqualTo(TaskState.ERROR);
        assertThat(bad.errorReason()).contains("permission denied").contains("42501");
        assertThat(bad.purgedResourcesCount())
                .isEqualTo(20 - store.countMembers(new CompartmentScope(PATIENT_COMPARTMENT, "bad")));
        assertThat(patient(done, "good").state()).isEqualTo(TaskState.COMPLETED);
        assertNoResidue(good, "good");
    }

    @Test
    void transientFailuresBeyondTheRetryBudgetEndInErrorToo() throws Exception {
        aPatientWith("p1", 5);
        ScriptedEraser down = new ScriptedEraser(store).before((n, batch) -> {
            throw new StoreException("connection refused", null, true);
        });
        PurgeService purge = started(down, config("a").build());

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge("p1", null), WAIT);

        assertThat(down.calls()).isEqualTo(4);
        assertThat(patient(done, "p1").state()).isEqualTo(TaskState.ERROR);
        assertThat(patient(done, "p1").errorReason()).contains("gave up after retries").contains("connection refused");
        assertThat(store.countMembers(new CompartmentScope(PATIENT_COMPARTMENT, "p1"))).isEqualTo(5);
    }

    @Test
    void resourcesWrittenDuringThePurgeAreCaughtByTheFinalSweep() throws Exception {
        List<ResourceKey> p1 = aPatientWith("p1", 30);
        ResourceWrite lateArrival = anObservationOf("a-late", "p1").build();
        ScriptedEraser eraser = new ScriptedEraser(store).after((n, batch) -> {
            if (n == 2) {
                store.write(List.of(lateArrival));
            }
        });
        PurgeService purge = started(eraser, config("a").workers(1).build());

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge("p1", null), WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(store.read(lateArrival.key())).isEmpty();
        assertThat(done.purgedResourcesCount()).isEqualTo(31);
        assertThat(patient(done, "p1").totalResourcesCount()).isEqualTo(31);
        assertNoResidue(p1, "p1");
    }

    @Test
    void twoNodesShareTheWorkAndEachPatientIsPurgedExactlyOnce() throws Exception {
        List<String> ids = new ArrayList<>();
        List<ResourceKey> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add("c" + i);
            all.addAll(aPatientWith("c" + i, 15));
        }
        Map<ResourceKey, Footprint> control = aControlSetReferencing("c0");
        List<String> taskOwners = Collections.synchronizedList(new ArrayList<>());
        PurgeService nodeA = started(store, config("node-a").build());
        PurgeService nodeB = started(store, config("node-b").build());

        String jobId = nodeA.submitPatientPurge(new PurgeRequest(ids, null));
        PurgeJobStatus done = nodeB.awaitTermination(jobId, WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.patients()).allSatisfy(p -> assertThat(p.purgedResourcesCount()).isEqualTo(15));
        for (TaskRecord t : jobs.findTasks(jobId)) {
            assertThat(t.lease().fence()).as("claimed once: %s", t.target()).isEqualTo(1);
            taskOwners.add(t.lease().owner());
        }
        assertThat(erasedEvents).hasSize(600).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
        assertNoResidue(all);
        assertUntouched(control);
    }

    @Test
    void badRequestsAreRefusedBeforeAnyJobExists() {
        PurgeService purge = service(store, config("a").maxPatientsPerJob(3).build());

        assertThatThrownBy(() -> purge.submitPatientPurge(new PurgeRequest(List.of(), null)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.issues()).extracting(Issue::code).containsExactly("required");
                });
        assertThatThrownBy(() -> purge.submitPatientPurge(PurgeRequest.of("ok", "a_b", "", "x".repeat(65), null)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.issues()).extracting(Issue::code).containsExactly("value", "value", "value", "value");
                    assertThat(e.issues().get(0).diagnostics()).contains("#2").contains("'a_b'");
                    assertThat(e.issues().get(3).diagnostics()).contains("#5").contains("(none)");
                });
        assertThatThrownBy(() -> purge.submitPatientPurge(PurgeRequest.of("a", "b", "c", "d")))
                .isInstanceOfSatisfying(InvalidRequestException.class,
                        e -> assertThat(e.issues()).extracting(Issue::code).containsExactly("too-costly"));
        assertThat(purge.submitPatientPurge(PurgeRequest.of("a", "b", "c", "a", "b"))).isNotBlank();
        assertThat(purge.listJobs(null, 10)).hasSize(1);
        assertThatThrownBy(() -> purge.status("no-such-job")).isInstanceOf(JobNotFoundException.class);
        assertThatThrownBy(() -> purge.cancel("no-such-job")).isInstanceOf(JobNotFoundException.class);
    }

    @Test
    void aServiceThatIsNotStartedAcceptsJobsThatAnotherNodeRuns() throws Exception {
        aPatientWith("p1", 12);
        PurgeService submitOnly = service(store, config("submitter").build());
        String jobId = submitOnly.submitPatientPurge("p1", null);
        PurgeJobStatus waiting = submitOnly.status(jobId);

        started(store, config("worker").build());
        PurgeJobStatus done = submitOnly.awaitTermination(jobId, WAIT);

        assertThat(waiting.state()).isEqualTo(TaskState.NEW);
        assertThat(waiting.patients().get(0).totalResourcesCount()).isNull();
        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(submitOnly.listJobs(null, 10)).extracting(JobStatus::jobId).containsExactly(jobId);
    }

    @Test
    void aFailingListenerIsLoggedAndDoesNotStopThePurge() throws Exception {
        List<ResourceKey> p1 = aPatientWith("p1", 25);
        ErasureListener broken = mock(ErasureListener.class);
        doThrow(new IllegalStateException("search index down")).when(broken).afterErase(any());
        PurgeService purge = PurgeService.builder(PurgeStorage.of(store, store, jobs).withListener(broken))
                .config(config("a").build()).clock(clock).build().start();
        services.add(purge);

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge("p1", null), WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.purgedResourcesCount()).isEqualTo(25);
        verify(broken, atLeast(4)).afterErase(any());
        assertNoResidue(p1, "p1");
    }

    // ---------------------------------------------------------------------------------- groups of small patients

    /** Patients {@code prefix0..} with {@code size} members each; returns every key. */
    private List<ResourceKey> smallPatients(String prefix, int count, int size, List<String> ids) {
        List<ResourceKey> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(prefix + i);
            keys.addAll(aPatientWith(prefix + i, size));
        }
        return keys;
    }

    private void assertEachTaskHeardExactlyItsPatient(String jobId, Map<String, List<ResourceKey>> expected) {
        for (TaskRecord t : jobs.findTasks(jobId)) {
            assertThat(eventsByTask.getOrDefault(t.taskId(), List.of())).as("events of %s", t.target())
                    .containsExactlyInAnyOrderElementsOf(expected.get(t.target()));
        }
    }

    @Test
    void smallPatientsArePurgedInGroupsThatShareTheirCommits() throws Exception {
        List<String> ids = new ArrayList<>();
        Map<String, List<ResourceKey>> byPatient = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            byPatient.put("s" + i, aPatientWith("s" + i, 5));
            ids.add("s" + i);
        }
        Map<ResourceKey, Footprint> control = aControlSetReferencing("s0");
        JobRepository counted = spy(jobs);
        // Batches of 10: four batches hold eight patients of five, so groupSize is what bounds the groups.
        PurgeService purge = service(store, store, counted, config("a").workers(1).batchSize(10).groupSize(8)
                .build()).start();

        String jobId = purge.submitPatientPurge(new PurgeRequest(ids, null));
        PurgeJobStatus done = purge.awaitTermination(jobId, WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.patients()).allSatisfy(p -> {
            assertThat(p.totalResourcesCount()).isEqualTo(5);
            assertThat(p.purgedResourcesCount()).isEqualTo(5);
            assertThat(p.purgedByType()).containsEntry("Patient", 1L).containsEntry("Observation", 3L)
                    .containsEntry("Encounter", 1L);
        });
        byPatient.forEach((id, keys) -> assertNoResidue(keys, id));
        assertUntouched(control);
        assertThat(erasedEvents).hasSize(200).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
        assertEachTaskHeardExactlyItsPatient(jobId, byPatient);
        // Five groups of eight: one checkpoint and one final write of eight tasks each, instead of 40 of each.
        ArgumentCaptor<List<TaskUpdate>> writes = ArgumentCaptor.captor();
        verify(counted, times(10)).writeAll(writes.capture(), any());
        assertThat(writes.getAllValues()).allSatisfy(w -> assertThat(w).hasSize(8));
    }

    @Test
    void aGroupTakesAboutFourBatchesWorthOfPatientsTheSizeOfItsFirst() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            aPatientWith("m" + i, 5);
            ids.add("m" + i);
        }
        JobRepository counted = spy(jobs);
        // Batches of 5: four batches hold four patients of five, far fewer than groupSize.
        PurgeService purge = service(store, store, counted, config("a").workers(1).batchSize(5).groupSize(100)
                .build()).start();

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge(new PurgeRequest(ids, null)), WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.purgedResourcesCount()).isEqualTo(120);
        ArgumentCaptor<List<TaskUpdate>> writes = ArgumentCaptor.captor();
        verify(counted, times(12)).writeAll(writes.capture(), any());
        assertThat(writes.getAllValues()).allSatisfy(w -> assertThat(w).hasSize(4));
    }

    @Test
    void aResourceInTwoGroupedCompartmentsIsErasedOnceAndCountedForTheFirst() throws Exception {
        List<ResourceKey> a = aPatientWith("a", 3);
        List<ResourceKey> b = aPatientWith("b", 3);
        ResourceWrite shared = anObservationOf("shared", "a").referencing("performer", "Patient/b").build();
        store.write(List.of(shared));
        PurgeService purge = started(store, config("x").workers(1).build());

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge(PurgeRequest.of("a", "b")), WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(patient(done, "a").purgedResourcesCount()).isEqualTo(4);
        assertThat(patient(done, "a").totalResourcesCount()).isEqualTo(4);
        assertThat(patient(done, "b").purgedResourcesCount()).isEqualTo(3);
        assertThat(patient(done, "b").totalResourcesCount()).isEqualTo(3);
        assertNoResidue(List.of(shared.key()), "a", "b");
        assertNoResidue(a);
        assertNoResidue(b);
        assertThat(erasedEvents).hasSize(7).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void aResourceWrittenIntoAGroupedCompartmentMeanwhileIsCaughtByThatPatientsSweep() throws Exception {
        List<String> ids = new ArrayList<>();
        List<ResourceKey> all = smallPatients("g", 3, 3, ids);
        ResourceWrite lateArrival = anObservationOf("late", "g2").build();
        ScriptedEraser eraser = new ScriptedEraser(store).after((n, batch) -> {
            if (n == 1) {
                store.write(List.of(lateArrival));
            }
        });
        PurgeService purge = started(eraser, config("x").workers(1).build());

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge(new PurgeRequest(ids, null)), WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(patient(done, "g0").purgedResourcesCount()).isEqualTo(3);
        assertThat(patient(done, "g1").purgedResourcesCount()).isEqualTo(3);
        assertThat(patient(done, "g2").purgedResourcesCount()).isEqualTo(4);
        assertThat(patient(done, "g2").totalResourcesCount()).isEqualTo(4);
        assertNoResidue(all, "g0", "g1", "g2");
        assertThat(store.read(lateArrival.key())).isEmpty();
    }

    @Test
    void aCancelWhileAGroupIsBeingReadErasesNothingOfIt() throws Exception {
        List<String> ids = new ArrayList<>();
        List<ResourceKey> all = smallPatients("c", 4, 3, ids);
        AtomicInteger reads = new AtomicInteger();
        AtomicReference<PurgeService> service = new AtomicReference<>();
        AtomicReference<String> job = new AtomicReference<>();
        ResourceFinder finder = spy(store);
        doAnswer(call -> {
            if (reads.incrementAndGet() == 3) {
                service.get().cancel(job.get());
            }
            return call.callRealMethod();
        }).when(finder).findMembers(any(), any(), anyInt());
        PurgeService purge = service(finder, store, jobs, config("x").workers(1).build());
        service.set(purge);
        job.set(purge.submitPatientPurge(new PurgeRequest(ids, null)));
        purge.start();

        PurgeJobStatus done = purge.awaitTermination(job.get(), WAIT);

        assertThat(done.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(done.patients()).allSatisfy(p -> {
            assertThat(p.state()).isEqualTo(TaskState.CANCELLED);
            assertThat(p.purgedResourcesCount()).isZero();
        });
        assertThat(erasedEvents).isEmpty();
        all.forEach(k -> assertThat(store.read(k)).as("kept %s", k).isPresent());
    }

    @Test
    void aGroupMemberWhoseLeaseIsLostKeepsItsDataForItsNewOwner() throws Exception {
        List<String> ids = new ArrayList<>();
        Map<String, List<ResourceKey>> byPatient = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            byPatient.put("l" + i, aPatientWith("l" + i, 4));
            ids.add("l" + i);
        }
        JobRepository stealing = spy(jobs);
        AtomicInteger writes = new AtomicInteger();
        doAnswer(call -> {
            List<TaskUpdate> updates = call.getArgument(0);
            if (writes.incrementAndGet() == 1) {
                // Another owner took l1 over between its claim and the group's checkpoint.
                updates = updates.stream().map(u -> u.taskId().endsWith("-1")
                        ? TaskUpdate.checkpoint(u.taskId(), new Lease(u.lease().owner(), u.lease().until(),
                        u.lease().fence() + 1), u.progress()) : u).toList();
            }
            return jobs.writeAll(updates, call.getArgument(1));
        }).when(stealing).writeAll(any(), any());
        PurgeService purge = service(store, store, stealing, config("x").workers(1).build()).start();
        String jobId = purge.submitPatientPurge(new PurgeRequest(ids, null));

        awaitState(purge, jobId, "l2", TaskState.COMPLETED);
        assertThat(patient(purge.status(jobId), "l0").state()).isEqualTo(TaskState.COMPLETED);
        assertThat(patient(purge.status(jobId), "l1").state()).isEqualTo(TaskState.PROCESSING);
        byPatient.get("l1").forEach(k -> assertThat(store.read(k)).as("kept %s", k).isPresent());

        clock.advance(Duration.ofSeconds(31));
        PurgeJobStatus done = purge.awaitTermination(jobId, WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.patients()).allSatisfy(p -> assertThat(p.purgedResourcesCount()).isEqualTo(4));
        assertThat(jobs.findTasks(jobId).get(1).lease().fence()).isEqualTo(2);
        byPatient.forEach((id, keys) -> assertNoResidue(keys, id));
        assertThat(erasedEvents).hasSize(12).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void aPermanentFailureInAGroupIsTracedToItsPatientAndTheOthersComplete() throws Exception {
        List<String> ids = new ArrayList<>(List.of("bad"));
        List<ResourceKey> bad = aPatientWith("bad", 4);
        List<ResourceKey> good = smallPatients("ok", 3, 4, ids);
        ScriptedEraser failing = new ScriptedEraser(store).before((n, batch) -> {
            if (batch.contains(ResourceKey.of("Patient", "bad"))) {
                throw new StoreException("permission denied for table resource", null, false, "42501");
            }
        });
        PurgeService purge = started(failing, config("x").workers(1).build());

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge(new PurgeRequest(ids, null)), WAIT);

        assertThat(patient(done, "bad").state()).isEqualTo(TaskState.ERROR);
        assertThat(patient(done, "bad").errorReason()).contains("permission denied").contains("42501");
        assertThat(patient(done, "bad").purgedResourcesCount())
                .isEqualTo(bad.stream().filter(k -> store.read(k).isEmpty()).count());
        for (String ok : List.of("ok0", "ok1", "ok2")) {
            assertThat(patient(done, ok).state()).isEqualTo(TaskState.COMPLETED);
            assertThat(patient(done, ok).purgedResourcesCount()).isEqualTo(4);
        }
        assertNoResidue(good, "ok0", "ok1", "ok2");
        assertThat(erasedEvents).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void aWorkerKilledMidGroupIsResumedByAnotherNodeWithExactCountsForEveryMember() throws Exception {
        List<String> ids = new ArrayList<>();
        List<ResourceKey> all = smallPatients("k", 5, 4, ids);
        Map<ResourceKey, Footprint> control = aControlSetReferencing("k0");
        ScriptedEraser dying = new ScriptedEraser(store).after((n, batch) -> {
            if (n == 1) {
                throw new SimulatedCrash();
            }
        });
        PurgeService nodeA = started(dying, config("node-a").workers(1).build());
        String jobId = nodeA.submitPatientPurge(new PurgeRequest(ids, null));
        awaitCalls(dying, 1);
        nodeA.close();
        assertThat(jobs.findTasks(jobId)).allSatisfy(t -> {
            assertThat(t.state()).isEqualTo(TaskState.PROCESSING);
            assertThat(t.progress().pending()).as("announced before the erase").hasSize(4);
        });

        clock.advance(Duration.ofSeconds(31));
        PurgeJobStatus done = started(store, config("node-b").build()).awaitTermination(jobId, WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.patients()).allSatisfy(p -> {
            assertThat(p.purgedResourcesCount()).as(p.patientId()).isEqualTo(4);
            assertThat(p.totalResourcesCount()).as(p.patientId()).isEqualTo(4);
        });
        assertNoResidue(all, ids.toArray(String[]::new));
        assertUntouched(control);
    }

    private static void awaitState(PurgeService purge, String jobId, String patientId, TaskState state)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (patient(purge.status(jobId), patientId).state() != state && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(patient(purge.status(jobId), patientId).state()).isEqualTo(state);
    }

    @Test
    void theWriteFenceAnswersForThePatientsOfAPurgeWithWorkLeftAndForNooneElse() throws Exception {
        aPatientWith("p1", 20);
        aPatientWith("p2", 3);
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        ScriptedEraser eraser = new ScriptedEraser(store).before((n, batch) -> {
            if (n == 1) {
                paused.countDown();
                resume.await();
            }
        });
        PurgeService purge = service(eraser, config("a").workers(1).build());
        String jobId = purge.submitPatientPurge("p1", null);
        assertThat(purge.purgeInProgress("p1")).as("waiting").contains(new PurgeInProgress("p1", jobId));
        purge.start();
        assertThat(paused.await(30, TimeUnit.SECONDS)).isTrue();

        PurgeInProgress running = new PurgeInProgress("p1", jobId);
        assertThat(purge.purgeInProgress("p1")).contains(running);
        assertThat(purge.purgeInProgress("p2")).isEmpty();
        assertThat(purge.purgeInProgressFor(anObservationOf("new", "p1").build())).contains(running);
        assertThat(purge.purgeInProgressFor(aPatient("p1").build())).contains(running);
        assertThat(purge.purgeInProgressFor(aResource("Observation", "perf")
                .referencing("performer", "Patient/p1").build())).contains(running);
        assertThat(purge.purgeInProgressFor(anObservationOf("other", "p2").referencing("performer", "Patient/p1")
                .build())).as("p2's, and performed by p1").contains(running);
        assertThat(purge.purgeInProgressFor(anObservationOf("other", "p2").build())).isEmpty();
        assertThat(purge.purgeInProgressFor(aResource("Observation", "focus")
                .referencing("focus", "Patient/p1").build())).as("focus is no member parameter").isEmpty();
        assertThat(purge.purgeInProgressFor(aResource("Observation", "grp")
                .referencing("subject", "Group/p1").build())).isEmpty();
        resume.countDown();
        purge.awaitTermination(jobId, WAIT);

        assertThat(purge.purgeInProgress("p1")).isEmpty();
        assertThat(purge.purgeInProgressFor(anObservationOf("new", "p1").build())).isEmpty();
    }

    // -------------------------------------------------------------------------------------------- verification

    /** An eraser that claims to erase the {@code forgotten} resources but leaves them in the store, on every call. */
    private ResourceEraser forgetting(java.util.Set<ResourceKey> forgotten) {
        return new ResourceEraser() {
            @Override
            public List<ResourceKey> hardDelete(java.util.Collection<ResourceKey> batch) {
                List<ResourceKey> erased = new ArrayList<>(store.hardDelete(batch.stream()
                        .filter(k -> !forgotten.contains(k)).toList()));
                batch.stream().filter(forgotten::contains).forEach(erased::add);
                return erased;
            }

            @Override
            public List<ResourceKey> softDelete(java.util.Collection<ResourceKey> batch, Instant at) {
                return store.softDelete(batch, at);
            }

            @Override
            public List<ResourceKey> purgeHistory(java.util.Collection<ResourceKey> batch) {
                return store.purgeHistory(batch);
            }
        };
    }

    @Test
    void aResourceTheStoreStillHoldsAfterItsEraseEndsThePatientInErrorNamingIt() throws Exception {
        List<ResourceKey> big = aPatientWith("big", 20);
        List<ResourceKey> small = aPatientWith("small", 4);
        aPatientWith("fine", 4);
        ResourceKey stuckBig = big.get(9);
        ResourceKey stuckSmall = small.get(2);
        ResourceEraser eraser = forgetting(java.util.Set.of(stuckBig, stuckSmall));
        PurgeService purge = started(eraser, config("a").workers(1).build());

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge(PurgeRequest.of("big", "small",
                "fine")), WAIT);

        PatientStatus alone = patient(done, "big");
        assertThat(alone.state()).isEqualTo(TaskState.ERROR);
        assertThat(alone.errorReason()).startsWith("Verification failed").contains("1 erased resource")
                .contains(stuckBig.toString());
        assertThat(alone.purgedResourcesCount()).isEqualTo(big.stream().filter(k -> store.read(k).isEmpty())
                .count());
        PatientStatus grouped = patient(done, "small");
        assertThat(grouped.state()).isEqualTo(TaskState.ERROR);
        assertThat(grouped.errorReason()).contains(stuckSmall.toString());
        assertThat(grouped.purgedResourcesCount()).isEqualTo(3);
        assertThat(patient(done, "fine").state()).as("grouped with the failing one").isEqualTo(TaskState.COMPLETED);
        assertThat(patient(done, "fine").purgedResourcesCount()).isEqualTo(4);
        assertThat(erasedEvents).doesNotContainKeys(stuckBig, stuckSmall);
    }

    @Test
    void aResourceLeftOnceIsErasedAgainAndThePurgeCompletes() throws Exception {
        List<ResourceKey> p1 = aPatientWith("p1", 20);
        ResourceKey resurrected = p1.get(3);
        ResourceWrite again = store.read(resurrected).map(r -> new ResourceWrite(resurrected, r.json(),
                T0, List.of())).orElseThrow();
        ScriptedEraser eraser = new ScriptedEraser(store).after((n, batch) -> {
            if (n == 1) {
                store.write(List.of(again)); // the erase "forgot" it, once
            }
        });
        PurgeService purge = started(eraser, config("a").workers(1).build());

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge("p1", null), WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(patient(done, "p1").purgedResourcesCount()).isEqualTo(20);
        assertThat(erasedEvents).hasSize(20).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
        assertNoResidue(p1, "p1");
    }

    // ------------------------------------------------------------------------------------------ erasure records

    /** The digest by its definition, computed here without the library: sum of SHA-256 numbers mod 2^256. */
    private static String digestOf(List<ResourceKey> keys) throws Exception {
        java.math.BigInteger sum = java.math.BigInteger.ZERO;
        for (ResourceKey k : keys) {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(k.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sum = sum.add(new java.math.BigInteger(1, h));
        }
        return String.format("%064x", sum.mod(java.math.BigInteger.TWO.pow(256)));
    }

    @Test
    void everyPatientPurgeLeavesAnErasureRecordThatOutlivesTheJobAndWhoseDigestRecomputes() throws Exception {
        Map<String, List<ResourceKey>> byPatient = new HashMap<>();
        byPatient.put("big", aPatientWith("big", 30));
        byPatient.put("s1", aPatientWith("s1", 5));
        byPatient.put("s2", aPatientWith("s2", 4));
        extraAudits.add(new AuditEventErasureAudit(ca.uhn.fhir.context.FhirContext.forR4Cached(), store));
        PurgeService purge = started(store, config("a").workers(1).jobRetention(Duration.ofDays(1)).build());

        String jobId = purge.submitPatientPurge(new PurgeRequest(List.of("big", "s1", "s2", "nobody"), "system/dpo",
                "GDPR art. 17 request 2026-118"));
        PurgeJobStatus done = purge.awaitTermination(jobId, WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(records).extracting(ErasureRecord::patientId)
                .containsExactlyInAnyOrder("big", "s1", "s2", "nobody");
        for (ErasureRecord r : records) {
            List<ResourceKey> erased = byPatient.getOrDefault(r.patientId(), List.of());
            assertThat(r.jobId()).isEqualTo(jobId);
            assertThat(r.outcome()).isEqualTo(TaskState.COMPLETED);
            assertThat(r.requestedBy()).isEqualTo("system/dpo");
            assertThat(r.reason()).isEqualTo("GDPR art. 17 request 2026-118");
            assertThat(r.erasedByType()).isEqualTo(patient(done, r.patientId()).purgedByType());
            assertThat(r.erasedCount()).isEqualTo(erased.size());
            assertThat(r.erasedDigest()).as("digest of %s", r.patientId()).isEqualTo(digestOf(erased));
            assertThat(r.toString()).doesNotContain(erased.isEmpty() ? "Observation/" : erased.get(1).id());
        }

        ErasureRecord big = records.stream().filter(r -> r.patientId().equals("big")).findFirst().orElseThrow();
        ResourceKey eventKey = ResourceKey.of("AuditEvent", AuditEventErasureAudit.idOf(jobId, "big"));
        org.hl7.fhir.r4.model.AuditEvent event = ca.uhn.fhir.context.FhirContext.forR4Cached().newJsonParser()
                .parseResource(org.hl7.fhir.r4.model.AuditEvent.class, store.read(eventKey).orElseThrow().json());
        assertThat(event.getAction().toCode()).isEqualTo("D");
        assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("$purge");
        assertThat(event.getAgentFirstRep().getWho().getDisplay()).isEqualTo("system/dpo");
        assertThat(event.getEntityFirstRep().getWhat().getIdentifier().getValue()).isEqualTo("big");
        assertThat(event.getEntityFirstRep().getDetail()).anySatisfy(d -> {
            assertThat(d.getType()).isEqualTo("erasedDigest");
            assertThat(d.getValue().primitiveValue()).isEqualTo(big.erasedDigest());
        });
        assertThat(store.countMembers(new CompartmentScope(PATIENT_COMPARTMENT, "big")))
                .as("the proof is not in the purged compartment").isZero();

        clock.advance(Duration.ofDays(2));
        assertThat(purge.forgetFinishedJobs()).isEqualTo(1);
        assertThat(purge.findJob(jobId)).as("the job is forgotten").isEmpty();
        assertThat(store.read(eventKey)).as("its erasure records are not").isPresent();
    }

    @Test
    void aFailingAuditIsLoggedAndHoldsNoPurgeUp() throws Exception {
        List<ResourceKey> p1 = aPatientWith("p1", 12);
        extraAudits.add(r -> {
            throw new IllegalStateException("audit store down");
        });
        PurgeService purge = started(store, config("a").build());

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge("p1", null), WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertNoResidue(p1, "p1");
        assertThat(records).singleElement().satisfies(r -> assertThat(r.erasedCount()).isEqualTo(12));
    }

    @Test
    void aReasonIsOptionalButNeverBlankOrEndless() {
        PurgeService purge = service(store, config("a").build());

        assertThatThrownBy(() -> purge.submitPatientPurge(new PurgeRequest(List.of("p1"), null, " ")))
                .isInstanceOfSatisfying(InvalidRequestException.class,
                        e -> assertThat(e.issues().get(0).expression()).isEqualTo("reason"));
        assertThatThrownBy(() -> purge.submitPatientPurge(new PurgeRequest(List.of("p1"), null, "x".repeat(1025))))
                .isInstanceOf(InvalidRequestException.class);
        assertThat(purge.listJobs(null, 10)).isEmpty();
    }

    private static void awaitCalls(ScriptedEraser eraser, int calls) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (eraser.calls() < calls && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(eraser.calls()).isGreaterThanOrEqualTo(calls);
    }

    /** Thrown from inside a worker to kill its thread without any cleanup, as a crash would. */
    private static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        SimulatedCrash() {
            super("simulated crash");
        }
    }
}
