package com.fhirpurge.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.core.PatientStatus;
import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeJobStatus;
import com.fhirpurge.core.PurgeRequest;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.core.testkit.EngineClusterSuite;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.ResourceWriter;
import com.fhirpurge.spi.TaskState;
import com.fhirpurge.spi.contract.ScriptedEraser;
import com.fhirpurge.spi.contract.TestResources;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine cluster suite on the reference schema of one database: each node gets its own connection pool, and
 * the snapshot is every row of the resource, history and reference tables.
 */
abstract class JdbcEngineTest extends EngineClusterSuite {

    private static final List<String> TABLES = List.of("fp_resource", "fp_resource_history", "fp_reference");

    private TestDatabase.Instance instance;

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
        if (instance != null) {
            instance.close();
        }
    }

    @Override
    protected PurgeStorage newNodeStorage() {
        DataSource pool = instance.newPool(4);
        JdbcResourceStore store = new JdbcResourceStore(pool, JdbcLayout.referenceSchema("fp_"), instance.dialect());
        return PurgeStorage.of(store, store, new JdbcJobRepository(pool, instance.dialect(), "fp_"));
    }

    @Override
    protected ResourceWriter newWriter() {
        return new JdbcResourceStore(instance.newPool(2), JdbcLayout.referenceSchema("fp_"), instance.dialect());
    }

    /**
     * Verification on a real database: an eraser that "forgets" a history row (the row is written back right after
     * each erase) leaves residue the engine finds, erases again, and, when it comes back again, reports: the
     * patient ends in error naming the resource, and a patient whose history row came back only once completes.
     */
    @Test
    void aHistoryRowTheEraseLeftBehindIsFoundByVerification() throws Exception {
        ResourceWriter writer = newWriter();
        for (String p : List.of("stuck", "healed")) {
            writer.write(List.of(TestResources.aPatient(p).build()));
            for (int i = 0; i < 4; i++) {
                ResourceWrite o = TestResources.anObservationOf(p + "-o" + i, p).build();
                writer.write(List.of(o, o)); // two versions: one in the history table
            }
        }
        DataSource pool = instance.newPool(4);
        JdbcResourceStore store = new JdbcResourceStore(pool, JdbcLayout.referenceSchema("fp_"), instance.dialect());
        String planted = "INSERT INTO " + instance.dialect().quote("fp_resource_history") + " ("
                + instance.dialect().quote("res_type") + ", " + instance.dialect().quote("res_id") + ", "
                + instance.dialect().quote("version") + ", " + instance.dialect().quote("deleted") + ", "
                + instance.dialect().quote("last_updated") + ") VALUES ('Observation', ?, 1, FALSE, 0)";
        AtomicInteger healedPlanted = new AtomicInteger();
        ScriptedEraser forgetful = new ScriptedEraser(store).after((n, batch) -> {
            for (String id : List.of("stuck-o2", "healed-o1")) {
                boolean plant = batch.contains(ResourceKey.of("Observation", id))
                        && (id.startsWith("stuck") || healedPlanted.getAndIncrement() == 0);
                if (plant) {
                    try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(planted)) {
                        ps.setString(1, id);
                        ps.executeUpdate();
                    }
                }
            }
        });
        PurgeService purge = PurgeService.builder(PurgeStorage.of(store, forgetful,
                        new JdbcJobRepository(pool, instance.dialect(), "fp_")))
                .config(PurgeConfig.builder().nodeId("verify").workers(1).batchSize(3)
                        .pollInterval(Duration.ofMillis(5)).compartment(TestResources.PATIENT_COMPARTMENT).build())
                .build().start();
        try {
            PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge(PurgeRequest.of("stuck",
                    "healed")), Duration.ofSeconds(60));

            PatientStatus stuck = done.patients().get(0);
            assertThat(stuck.state()).isEqualTo(TaskState.ERROR);
            assertThat(stuck.errorReason()).startsWith("Verification failed").contains("Observation/stuck-o2");
            assertThat(store.findExisting(List.of(ResourceKey.of("Observation", "stuck-o2")))).hasSize(1);
            PatientStatus healed = done.patients().get(1);
            assertThat(healed.state()).isEqualTo(TaskState.COMPLETED);
            assertThat(healed.purgedResourcesCount()).isEqualTo(5);
            assertThat(store.findExisting(List.of(ResourceKey.of("Observation", "healed-o1")))).isEmpty();
            assertThat(healedPlanted).as("the healed patient's row was planted once").hasValue(2);
        } finally {
            purge.close();
        }
    }

    @Override
    protected List<String> snapshot() {
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
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        rows.sort(null);
        return rows;
    }
}
