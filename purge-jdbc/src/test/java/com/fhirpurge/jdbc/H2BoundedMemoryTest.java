package com.fhirpurge.jdbc;

import static com.fhirpurge.spi.contract.TestResources.PATIENT_COMPARTMENT;
import static com.fhirpurge.spi.contract.TestResources.aPatient;
import static com.fhirpurge.spi.contract.TestResources.anObservationOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeJobStatus;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.TaskState;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Purging one patient with 200,000 resources on H2 fits in a 96 MiB heap. Surefire runs this class alone in its
 * own JVM with {@code -Xmx96m} (the {@code bounded-memory} execution); the database lives in files so only the
 * engine's and the adapter's memory is on the heap. {@code -Dpurge.memoryTestResources=N} changes the size.
 */
class H2BoundedMemoryTest {

    private static final int RESOURCES = Integer.getInteger("purge.memoryTestResources", 200_000);

    @TempDir
    Path dir;

    @Test
    void aPatientWith200000ResourcesIsPurgedInA96MiBHeap() throws Exception {
        long maxHeap = Runtime.getRuntime().maxMemory();
        assertThat(maxHeap).as("run by the bounded-memory execution with -Xmx96m").isLessThanOrEqualTo(100L << 20);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:file:" + Files.createDirectories(dir).resolve("big") + ";CACHE_SIZE=4096");
        config.setMaximumPoolSize(4);
        try (HikariDataSource ds = new HikariDataSource(config)) {
            JdbcDialect dialect = new H2Dialect();
            JdbcSchema.createReferenceSchema(ds, dialect, "fp_");
            JdbcSchema.createJobSchema(ds, dialect, "fp_");
            JdbcResourceStore store = new JdbcResourceStore(ds, JdbcLayout.referenceSchema("fp_"), dialect);
            store.write(List.of(aPatient("big").build(), aPatient("other").build(),
                    anObservationOf("other-obs", "other").build()));
            List<ResourceWrite> chunk = new ArrayList<>();
            for (int i = 1; i < RESOURCES; i++) {
                chunk.add(anObservationOf("big-" + i, "big").build());
                if (chunk.size() == 2_000) {
                    store.write(chunk);
                    chunk.clear();
                }
            }
            store.write(chunk);

            PurgeConfig purgeConfig = PurgeConfig.builder().nodeId("memory").workers(1).batchSize(500)
                    .pollInterval(Duration.ofMillis(10)).compartment(PATIENT_COMPARTMENT).build();
            try (PurgeService purge = PurgeService.builder(PurgeStorage.of(store, store,
                    new JdbcJobRepository(ds, dialect, "fp_"))).config(purgeConfig).build().start()) {
                PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge("big", null),
                        Duration.ofMinutes(8));

                assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
                assertThat(done.patients().get(0).totalResourcesCount()).isEqualTo(RESOURCES);
                assertThat(done.patients().get(0).purgedResourcesCount()).isEqualTo(RESOURCES);
            }
            assertThat(store.countMembers(new CompartmentScope(PATIENT_COMPARTMENT, "big"))).isZero();
            assertThat(store.countMembers(new CompartmentScope(PATIENT_COMPARTMENT, "other"))).isEqualTo(2);
        }
    }
}
