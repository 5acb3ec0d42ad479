package com.fhirpurge.mongo;

import static com.fhirpurge.spi.contract.TestResources.PATIENT_COMPARTMENT;
import static com.fhirpurge.spi.contract.TestResources.aPatient;
import static com.fhirpurge.spi.contract.TestResources.anObservationOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeJobStatus;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.TaskState;
import com.mongodb.client.MongoClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Purging one patient with 200,000 resources fits in a 96 MiB heap. Surefire runs this class alone in its own JVM
 * with {@code -Xmx96m} (the {@code bounded-memory} execution). The wire server's in-memory backend would hold the
 * data on that same heap, so it runs in a child process of its own ({@link WireServerMain}); with
 * {@code PURGE_MONGO_URI} the real server is used instead. {@code -Dpurge.memoryTestResources=N} changes the size.
 */
class MongoBoundedMemoryTest {

    private static final int RESOURCES = Integer.getInteger("purge.memoryTestResources", 200_000);

    @Test
    void aPatientWith200000ResourcesIsPurgedInA96MiBHeap() throws Exception {
        long maxHeap = Runtime.getRuntime().maxMemory();
        assertThat(maxHeap).as("run by the bounded-memory execution with -Xmx96m").isLessThanOrEqualTo(100L << 20);
        Process server = TestMongo.inProcess() ? startServerProcess() : null;
        try (TestMongo mongo = server == null ? TestMongo.create("memory")
                : TestMongo.on("mongodb://127.0.0.1:" + readPort(server), "memory")) {
            MongoClient client = mongo.newClient();
            MongoResourceStore store = new MongoResourceStore(client, mongo.databaseName(), MongoLayout.rawJson());
            store.ensureIndexes(PATIENT_COMPARTMENT);
            MongoJobRepository jobs = new MongoJobRepository(mongo.database(client), "fp_");
            jobs.ensureIndexes();
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
            try (PurgeService purge = PurgeService.builder(PurgeStorage.of(store, store, jobs)).config(purgeConfig)
                    .build().start()) {
                PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge("big", null),
                        Duration.ofMinutes(8));

                assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
                assertThat(done.patients().get(0).totalResourcesCount()).isEqualTo(RESOURCES);
                assertThat(done.patients().get(0).purgedResourcesCount()).isEqualTo(RESOURCES);
            }
            assertThat(store.countMembers(new CompartmentScope(PATIENT_COMPARTMENT, "big"))).isZero();
            assertThat(store.countMembers(new CompartmentScope(PATIENT_COMPARTMENT, "other"))).isEqualTo(2);
            assertThat(store.read(ResourceKey.of("Observation", "other-obs"))).isPresent();
        } finally {
            if (server != null) {
                server.getOutputStream().close();
                server.destroy();
                server.waitFor();
            }
        }
    }

    private static Process startServerProcess() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ProcessBuilder(java, "-Xmx2g", "-cp", classpath, WireServerMain.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static int readPort(Process server) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("the server process announces its port").isNotNull().startsWith("port ");
        return Integer.parseInt(line.substring("port ".length()).trim());
    }
}
