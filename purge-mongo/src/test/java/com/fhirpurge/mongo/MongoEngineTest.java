package com.fhirpurge.mongo;

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
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.TaskRecord;
import com.fhirpurge.spi.TaskState;
import com.fhirpurge.spi.contract.MutableClock;
import com.fhirpurge.spi.contract.ScriptedEraser;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real engine on one Mongo server: two nodes with their own clients share the work, and a node killed
 * mid-purge is taken over. Residue and over-deletion are checked document for document: after the purge every
 * resource collection (current and history) holds exactly the documents it held before the purged patients were
 * written. Subclasses name the layout.
 */
abstract class MongoEngineTest {

    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final String JOBS_PREFIX = "fp_";

    private TestMongo mongo;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T12:00:00Z"));
    private final List<PurgeService> services = new ArrayList<>();
    private final Map<ResourceKey, Integer> erasedEvents = new ConcurrentHashMap<>();

    /** The layout to run on. */
    abstract MongoLayout layout();

    @BeforeEach
    void createDatabase() {
        mongo = TestMongo.create("engine");
        MongoClient setup = mongo.newClient();
        new MongoResourceStore(setup, mongo.databaseName(), layout()).ensureIndexes(PATIENT_COMPARTMENT);
        new MongoJobRepository(mongo.database(setup), JOBS_PREFIX).ensureIndexes();
    }

    @AfterEach
    void dropDatabase() {
        services.forEach(PurgeService::close);
        if (mongo != null) {
            mongo.close();
        }
    }

    /** A node: its own client, store, job repository and engine. */
    private PurgeService node(String name, int workers, EraserWrapper wrap) {
        MongoClient client = mongo.newClient();
        MongoResourceStore store = new MongoResourceStore(client, mongo.databaseName(), layout());
        MongoJobRepository jobs = new MongoJobRepository(mongo.database(client), JOBS_PREFIX);
        PurgeStorage storage = PurgeStorage.of(store, wrap.wrap(store), jobs)
                .withListener(e -> e.resources().forEach(k -> erasedEvents.merge(k, 1, Integer::sum)));
        PurgeConfig config = PurgeConfig.builder().nodeId(name).workers(workers).batchSize(20)
                .pollInterval(Duration.ofMillis(10)).heartbeatInterval(Duration.ofMillis(200))
                .leaseDuration(Duration.ofSeconds(30)).retry(3, Duration.ofMillis(5), Duration.ofMillis(20))
                .compartment(PATIENT_COMPARTMENT).build();
        PurgeService service = PurgeService.builder(storage).config(config).clock(clock).build().start();
        services.add(service);
        return service;
    }

    private interface EraserWrapper {
        ResourceEraser wrap(ResourceEraser eraser);
    }

    private MongoResourceStore writer() {
        return new MongoResourceStore(mongo.newClient(), mongo.databaseName(), layout());
    }

    private MongoJobRepository jobs() {
        return new MongoJobRepository(mongo.database(mongo.newClient()), JOBS_PREFIX);
    }

    /**
     * Other patients' records (each also pointing at a purged patient through a parameter outside the compartment)
     * and a practitioner's list pointing into the purged patients: the outside references must survive.
     */
    private void writeControlSet(MongoResourceStore store, List<String> purgedIds) {
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
        store.write(writes);
    }

    /** Writes patients with {@code perPatient} members each (itself included), a third of them with history. */
    private void writePatients(MongoResourceStore store, List<String> ids, int perPatient) {
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
            store.write(writes);
        }
    }

    /** Every document of every resource collection (current and history), as JSON, sorted: the whole data state. */
    private List<String> snapshot() {
        List<String> docs = new ArrayList<>();
        MongoDatabase db = mongo.database(mongo.newClient());
        for (String collection : db.listCollectionNames()) {
            if (collection.startsWith(JOBS_PREFIX) || collection.startsWith("system.")) {
                continue;
            }
            for (Document d : db.getCollection(collection).find()) {
                docs.add(collection + "|" + d.toJson());
            }
        }
        docs.sort(null);
        return docs;
    }

    private long historyDocuments() {
        MongoDatabase db = mongo.database(mongo.newClient());
        long n = 0;
        for (String collection : db.listCollectionNames()) {
            if (collection.endsWith("_history")) {
                n += db.getCollection(collection).countDocuments();
            }
        }
        return n;
    }

    @Test
    void twoNodesPurge200PatientsTogetherEachExactlyOnceWithExactCountsAndNoResidue() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add("p" + i);
        }
        MongoResourceStore store = writer();
        writeControlSet(store, ids);
        List<String> before = snapshot();
        long historyBefore = historyDocuments();
        writePatients(store, ids, 50);
        assertThat(historyDocuments()).as("the purged patients have history").isGreaterThan(historyBefore);
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
        for (TaskRecord t : jobs().findTasks(jobId)) {
            assertThat(t.lease().fence()).as("%s claimed once", t.target()).isEqualTo(1);
            owners.add(t.lease().owner());
        }
        assertThat(owners).anyMatch(o -> o.startsWith("node-a")).anyMatch(o -> o.startsWith("node-b"));
        assertThat(erasedEvents).hasSize(200 * 50).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
        assertThat(historyDocuments()).isEqualTo(historyBefore);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void aNodeKilledMidPurgeIsTakenOverAfterItsLeaseExpiresWithExactCounts() throws Exception {
        List<String> ids = List.of("victim", "second");
        MongoResourceStore store = writer();
        writeControlSet(store, ids);
        List<String> before = snapshot();
        writePatients(store, ids, 120);
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
        TaskRecord left = jobs().findTasks(jobId).get(0);
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
        assertThat(jobs().findTasks(jobId).get(0).lease().fence()).as("taken over once").isEqualTo(2);
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
