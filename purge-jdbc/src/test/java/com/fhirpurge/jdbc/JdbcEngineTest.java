package com.fhirpurge.jdbc;

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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real engine on a real database: two nodes with their own connection pools share the work, and a node killed
 * mid-purge is taken over. Residue and over-deletion are checked row for row: after the purge every table holds
 * exactly the rows it held before the purged patients were written.
 */
abstract class JdbcEngineTest {

    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final List<String> TABLES = List.of("fp_resource", "fp_resource_history", "fp_reference");

    private TestDatabase.Instance instance;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T12:00:00Z"));
    private final List<PurgeService> services = new ArrayList<>();
    private final Map<ResourceKey, Integer> erasedEvents = new ConcurrentHashMap<>();

    /** The database to run on. */
    abstract TestDatabase database();

    @BeforeEach
    void createSchemas() {
        instance = database().create("engine");
        DataSource setup = instance.newPool(2);
        JdbcSchema.createReferenceSchema(setup, instance.dialect(), "fp_");
        JdbcSchema.createJobSchema(setup, instance.dialect(), "fp_");
    }

    @AfterEach
    void dropSchemas() {
        services.forEach(PurgeService::close);
        if (instance != null) {
            instance.close();
        }
    }

    /** A node: its own pool, store, job repository and engine. */
    private PurgeService node(String name, int workers, EraserWrapper wrap) {
        DataSource pool = instance.newPool(workers + 2);
        JdbcResourceStore store = new JdbcResourceStore(pool, JdbcLayout.referenceSchema("fp_"), instance.dialect());
        JdbcJobRepository jobs = new JdbcJobRepository(pool, instance.dialect(), "fp_");
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

    private JdbcResourceStore writer() {
        return new JdbcResourceStore(instance.newPool(2), JdbcLayout.referenceSchema("fp_"), instance.dialect());
    }

    /**
     * Other patients' records (one of them links to a purged patient through a parameter outside the compartment)
     * and a practitioner's list pointing into the purged patients: the outside references must survive.
     */
    private void writeControlSet(JdbcResourceStore store, List<String> purgedIds) {
        List<ResourceWrite> writes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String id = "ctl" + i;
            writes.add(aPatient(id).build());
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
    private int writePatients(JdbcResourceStore store, List<String> ids, int perPatient) {
        int rows = 0;
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
            rows += writes.size();
        }
        return rows;
    }

    /** Every row of every table, as text, sorted: the whole database state the purge may touch. */
    private List<String> snapshot() throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = instance.newPool(1).getConnection(); Statement s = c.createStatement()) {
            for (String table : TABLES) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM " + instance.dialect().quote(table))) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        StringBuilder row = new StringBuilder(table);
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            row.append('|').append(rs.getString(i));
                        }
                        rows.add(row.toString());
                    }
                }
            }
        }
        rows.sort(null);
        return rows;
    }

    @Test
    void twoNodesPurge200PatientsTogetherEachExactlyOnceWithExactCountsAndNoResidue() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add("p" + i);
        }
        JdbcResourceStore store = writer();
        writeControlSet(store, ids);
        List<String> before = snapshot();
        writePatients(store, ids, 50);
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
        for (TaskRecord t : new JdbcJobRepository(instance.newPool(1), instance.dialect(), "fp_").findTasks(jobId)) {
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
        JdbcResourceStore store = writer();
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
        TaskRecord left = new JdbcJobRepository(instance.newPool(1), instance.dialect(), "fp_").findTasks(jobId).get(0);
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
