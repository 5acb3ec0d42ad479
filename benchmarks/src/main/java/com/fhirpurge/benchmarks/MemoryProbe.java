package com.fhirpurge.benchmarks;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.PatientStatus;
import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeRequest;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.core.demo.SyntheticPatients;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.spi.ResourceWrite;

import com.fhirpurge.spi.TaskState;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Peak heap while the engine purges one patient with a large compartment, measured in a JVM of its own (a fixed
 * heap, the serial collector) so nothing else shares the heap: the patient is streamed into the store in chunks,
 * then a sampler records the heap in use every 10 ms, and the live heap after each collection, while the purge
 * runs. H2 runs on disk here (in memory it would hold the data in the very heap being measured); the in-process
 * Mongo wire server keeps its data on the heap too, so MongoDB is measured only against a real server.
 */
public final class MemoryProbe {

    /** The child JVM's heap limit. */
    static final String HEAP = "-Xmx256m";

    private MemoryProbe() {
    }

    /**
     * One measurement.
     *
     * @param store        the store
     * @param resources    the compartment's size
     * @param seconds      the purge's duration
     * @param peakUsedMb   the most heap in use at any sample
     * @param peakLiveMb   the most heap still in use right after a collection (the live set)
     */
    record Result(BenchStore store, int resources, double seconds, double peakUsedMb, double peakLiveMb) {
    }

    /**
     * Runs the probe in a child JVM.
     *
     * @param store     the store
     * @param resources the compartment's size
     * @return the measurement
     * @throws IOException          when the child cannot start
     * @throws InterruptedException when interrupted
     */
    static Result measure(BenchStore store, int resources) throws IOException, InterruptedException {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(java, HEAP, "-XX:+UseSerialGC", "-D" + BenchStore.H2_ON_DISK + "=true",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                MemoryProbe.class.getName(), store.name(), Integer.toString(resources)).redirectErrorStream(true)
                .start();
        String result = null;
        List<String> output = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                output.add(line);
                if (line.startsWith("RESULT ")) {
                    result = line;
                }
            }
        }
        if (p.waitFor() != 0 || result == null) {
            throw new IllegalStateException("memory probe failed:\n" + String.join("\n", output));
        }
        String[] f = result.split(" ");
        return new Result(store, resources, Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                Double.parseDouble(f[3]));
    }

    /**
     * The child: {@code MemoryProbe STORE RESOURCES}; prints {@code RESULT seconds peakUsedMb peakLiveMb}.
     *
     * @param args the store and the compartment size
     * @throws InterruptedException when interrupted
     */
    public static void main(String[] args) throws InterruptedException {
        BenchmarkMain.quietLogs();
        BenchStore store = BenchStore.valueOf(args[0]);
        int resources = Integer.parseInt(args[1]);
        try (StoreHandle handle = store.open(6)) {
            load(handle, resources);
            List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(pool -> pool.getType() == MemoryType.HEAP).toList();
            System.gc();
            AtomicLong peakUsed = new AtomicLong();
            AtomicLong peakLive = new AtomicLong();
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    long used = 0;
                    long live = 0;
                    for (MemoryPoolMXBean pool : heap) {
                        used += pool.getUsage().getUsed();
                        live += pool.getCollectionUsage() == null ? 0 : pool.getCollectionUsage().getUsed();
                    }
                    peakUsed.accumulateAndGet(used, Math::max);
                    peakLive.accumulateAndGet(live, Math::max);
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-sampler");
            sampler.setDaemon(true);
            long start = System.nanoTime();
            sampler.start();
            try (PurgeService service = PurgeService.builder(handle.storage()).config(PurgeConfig.builder()
                    .nodeId("memory").batchSize(500).workers(2).compartment(Workload.COMPARTMENT).build()).build()
                    .start()) {
                String jobId = service.submitPatientPurge(PurgeRequest.of("big"));
                for (PatientStatus p : service.awaitTermination(jobId, Duration.ofHours(1)).patients()) {
                    if (p.state() != TaskState.COMPLETED || p.purgedResourcesCount() != resources) {
                        throw new IllegalStateException("purge ended " + p.state() + " after "
                                + p.purgedResourcesCount() + " of " + resources + " resources");
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            sampler.interrupt();
            sampler.join();
            System.out.printf(java.util.Locale.ROOT, "RESULT %.3f %.1f %.1f%n", seconds, peakUsed.get() / 1048576.0,
                    peakLive.get() / 1048576.0);
        }
    }

    /** Streams one patient's record into the store, a thousand resources at a time. */
    private static void load(StoreHandle handle, int resources) {
        ReferenceExtractor extractor = new ReferenceExtractor(FhirContext.forR4Cached());
        Iterator<IBaseResource> record = SyntheticPatients.patientRecordIterator("big", resources, 42L);
        Instant written = Instant.parse("2025-01-01T00:00:00Z");
        List<ResourceWrite> chunk = new ArrayList<>(1000);
        while (record.hasNext()) {
            chunk.add(extractor.toWrite(record.next(), written));
            if (chunk.size() == 1000 || !record.hasNext()) {
                handle.writer().write(chunk);
                chunk.clear();
            }
        }
    }
}
