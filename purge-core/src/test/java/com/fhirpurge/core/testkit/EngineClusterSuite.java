package com.fhirpurge.core.testkit;

import static com.fhirpurge.spi.contract.TestResources.PATIENT_COMPARTMENT;
import static com.fhirpurge.spi.contract.TestResources.aPatient;
import static com.fhirpurge.spi.contract.TestResources.aResource;
import static com.fhirpurge.spi.contract.TestResources.anObservationOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.core.PatientStatus;
import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeJobStatus;
import com.fhirpurge.core.PurgeRequest;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.ResourceWriter;
import com.fhirpurge.spi.TaskRecord;
import com.fhirpurge.spi.TaskState;
import com.fhirpurge.spi.contract.MutableClock;
import com.fhirpurge.spi.contract.ScriptedEraser;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The real engine on an adapter's real store, as a cluster: two nodes with their own connections share the work,
 * and a node killed mid-purge is taken over. Residue and over-deletion are checked against the store's whole
 * state: after the purge it must be exactly what it was before the purged patients were written.
 *
 * <p>An adapter's test class creates an empty database before each test and supplies three things: the storage of
 * a new node ({@link #newNodeStorage()}, its own pool or client on the shared database), a writer, and a snapshot
 * of every row or document of resource data.
 */
public abstract class EngineClusterSuite {

    private static final Duration WAIT = Duration.ofMinutes(3);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T12:00:00Z"));
    private final List<PurgeService> services = new ArrayList<>();
    private final Map<ResourceKey, Integer> erasedEvents = new ConcurrentHashMap<>();

    /**
     * The storage roles of a new node on the shared database, with connections of its own.
     *
     * @return finder, eraser and job repository
     */
    protected abstract PurgeStorage newNodeStorage();

    /**
     * A writer on the shared database.
     *
     * @return the writer
     */
    protected abstract ResourceWriter newWriter();

    /**
     * Every row (or document) of resource data the store holds, current, history and index alike, as text, sorted.
     *
     * @return the snapshot
     */
    protected abstract List<String> snapshot();

    @AfterEach
    void closeNodes() {
        services.forEach(PurgeService::close);
    }

    private interface EraserWrapper {
        com.fhirpurge.spi.ResourceEraser wrap(com.fhirpurge.spi.ResourceEraser eraser);
    }

    /** A node: its own storage and engine. */
    private PurgeService node(String name, int workers, EraserWrapper wrap) {
        PurgeStorage base = newNodeStorage();
        PurgeStorage storage = new PurgeStorage(base.finder(), wrap.wrap(base.eraser()), base.searcher(), base.jobs(),
                base.listeners()).withListener(e -> e.resources().forEach(k -> erasedEvents.merge(k, 1, Integer::sum)));
        PurgeConfig config = PurgeConfig.builder().nodeId(name).workers(workers).batchSize(20)
                .pollInterval(Duration.ofMillis(10)).heartbeatInterval(Duration.ofMillis(200))
                .leaseDuration(Duration.ofSeconds(30)).retry(3, Duration.ofMillis(5), Duration.ofMillis(20))
                .compartment(PATIENT_COMPARTMENT).build();
        PurgeService service = PurgeService.builder(storage).config(config).clock(clock).build().start();
        services.add(service);
        return service;
    }

    private List<TaskRecord> tasksOf(String jobId) {
        return newNodeStorage().jobs().findTasks(jobId);
    }

    /**
     * Other patients' records (each also pointing at a purged patient through a parameter outside the compartment,
     * some with history) and a practitioner's list pointing into the purged patients: all must survive.
     */
    private static void writeControlSet(ResourceWriter writer, List<String> purgedIds) {
        List<ResourceWrite> writes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String id = "ctl" + i;
            writes.add(aPatient(id).build());
            writes.add(aPatient(id).note("v2").build());
            for (int j = 0; j < 9; j++) {
                writes.add(anObservationOf(id + "-obs" + j, id).referencing("focus", "Patient/" + purgedIds.get(0))
                        .build());
            }
        }
        writes.add(aResource("List", "practitioner-worklist")
                .referencing("item", "Observation/" + purgedIds.get(0) + "-obs1")
                .referencing("item", "Observation/" + purgedIds.get(1) + "-obs2").build());
        writer.write(writes);
    }

    /** Writes patients with {@code perPatient} members each (itself included), a third of them with history. */
    private static void writePatients(ResourceWriter writer, List<String> ids, int perPatient) {
        for (String id : ids) {
            List<ResourceWrite> writes = new ArrayList<>();
            writes.add(aPatient(id).build());
            for (int j = 1; j < perPatient; j++) {
                ResourceWrite w = j % 5 == 0
                        ? aResource("Encounter", id + "-enc" + j).referencing("patient", "Patient/" + id).build()
                        : anObservationOf(id + "-obs" + j, id).build();
                writes.add(w);
                if (j % 3 == 0) {
                    writes.add(w);
                }
            }
            writer.write(writes);
        }
    }

    @Test
    void twoNodesPurge200PatientsTogetherEachExactlyOnceWithExactCountsAndNoResidue() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add("p" + i);
        }
        ResourceWriter writer = newWriter();
        writeControlSet(writer, ids);
        List<String> before = snapshot();
        writePatients(writer, ids, 50);
        assertThat(snapshot()).as("the snapshot sees the purged patients' rows").hasSizeGreaterThan(before.size());
        PurgeService nodeA = node("node-a", 2, e -> e);
        PurgeService nodeB = node("node-b", 2, e -> e);

        String jobId = nodeA.submitPatientPurge(new PurgeRequest(ids, "system/cluster-test"));
        PurgeJobStatus done = nodeB.awaitTermination(jobId, WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.patients()).hasSize(200).allSatisfy(p -> {
            assertThat(p.state()).isEqualTo(TaskState.COMPLETED);
            assertThat(p.totalResourcesCount()).isEqualTo(50);
            assertThat(p.purgedResourcesCount()).isEqualTo(50);
        });
        List<String> owners = new ArrayList<>();
        for (TaskRecord t : tasksOf(jobId)) {
            assertThat(t.lease().fence()).as("%s claimed once", t.target()).isEqualTo(1);
            owners.add(t.lease().owner());
        }
        assertThat(owners).anyMatch(o -> o.startsWith("node-a")).anyMatch(o -> o.startsWith("node-b"));
        assertThat(erasedEvents).hasSize(200 * 50).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void aNodeKilledMidPurgeIsTakenOverAfterItsLeaseExpiresWithExactCounts() throws Exception {
        List<String> ids = List.of("victim", "second");
        ResourceWriter writer = newWriter();
        writeControlSet(writer, ids);
        List<String> before = snapshot();
        writePatients(writer, ids, 120);
        ScriptedEraser[] dying = new ScriptedEraser[1];
        PurgeService nodeA = node("node-a", 1, e -> {
            dying[0] = new ScriptedEraser(e).after((n, batch) -> {
                if (n == 3) {
                    throw new KilledNode();
                }
            });
            return dying[0];
        });
        String jobId = nodeA.submitPatientPurge(new PurgeRequest(ids, null));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (dying[0].calls() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        nodeA.close();
        TaskRecord left = tasksOf(jobId).get(0);
        assertThat(left.state()).isEqualTo(TaskState.PROCESSING);
        assertThat(left.progress().pending()).as("committed but never checkpointed").hasSize(20);

        clock.advance(Duration.ofSeconds(31));
        PurgeService nodeB = node("node-b", 2, e -> e);
        PurgeJobStatus done = nodeB.awaitTermination(jobId, WAIT);

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        for (PatientStatus p : done.patients()) {
            assertThat(p.purgedResourcesCount()).as(p.patientId()).isEqualTo(120);
            assertThat(p.totalResourcesCount()).as(p.patientId()).isEqualTo(120);
        }
        assertThat(tasksOf(jobId).get(0).lease().fence()).as("taken over once").isEqualTo(2);
        assertThat(snapshot()).isEqualTo(before);
    }

    /** Thrown from inside a worker to end its thread without cleanup, as a killed node would. */
    private static final class KilledNode extends Error {
        private static final long serialVersionUID = 1L;

        KilledNode() {
            super("node killed");
        }
    }
}
