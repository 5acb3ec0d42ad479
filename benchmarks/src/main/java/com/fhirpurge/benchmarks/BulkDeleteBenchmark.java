package com.fhirpurge.benchmarks;

import com.fhirpurge.core.BulkDeleteRequest;
import com.fhirpurge.core.BulkDeleteStatus;
import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.spi.IndexEntry;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.TaskState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A type-level criteria bulk delete ({@code Observation?code=http://loinc.org|8867-4,http://loinc.org|8310-5}, two
 * of the five vital signs) through the engine, in each mode, on fresh data each invocation; afterwards the job's
 * count must equal what the data set holds of those Observations (all of them, or for purge history those with a
 * second version).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class BulkDeleteBenchmark {

    /** The criteria. */
    static final Map<String, List<String>> CRITERIA = Map.of("code",
            List.of("http://loinc.org|8867-4,http://loinc.org|8310-5"));
    private static final Set<String> CODES = Set.of("8867-4", "8310-5");

    /** The store. */
    @Param({"H2", "POSTGRES", "MARIADB", "MONGO"})
    public BenchStore store;

    /** The mode. */
    @Param({"HARD", "SOFT", "PURGE_HISTORY"})
    public String mode;

    /** Resources in the data set, all types. */
    @Param({"20000"})
    public int totalResources;

    /** The share of resources with a second version. */
    @Param({"0.5"})
    public double historyShare;

    private StoreHandle handle;
    private Workload workload;
    private PurgeService service;
    private long expected;

    /**
     * How many resources a run in a mode deletes on a workload.
     *
     * @param workload the workload
     * @param mode     the mode
     * @return the expected count
     */
    static long expected(Workload workload, String mode) {
        long[] counts = workload.count("Observation", BulkDeleteBenchmark::matches);
        return mode.equals("PURGE_HISTORY") ? counts[1] : counts[0];
    }

    private static boolean matches(ResourceWrite w) {
        return w.searchIndex().stream().anyMatch(e -> e instanceof IndexEntry.TokenEntry t
                && t.paramName().equals("code") && "http://loinc.org".equals(t.system()) && CODES.contains(t.code()));
    }

    /**
     * The workload a run uses.
     *
     * @param totalResources resources in the data set
     * @param historyShare   the share with a second version
     * @return the workload
     */
    static Workload workload(int totalResources, double historyShare) {
        return Workload.of(Math.max(1, totalResources / 100), 100, historyShare);
    }

    /** Opens the store and starts the engine. */
    @Setup(Level.Trial)
    public void open() {
        handle = store.open(6);
        workload = workload(totalResources, historyShare);
        expected = expected(workload, mode);
        service = PurgeService.builder(handle.storage()).config(PurgeConfig.builder().nodeId("bench")
                .batchSize(500).workers(2).pollInterval(Duration.ofMillis(50)).build()).build().start();
    }

    /** Loads the data set (not timed). */
    @Setup(Level.Invocation)
    public void load() {
        workload.load(handle.writer());
    }

    /** Stops the engine and drops the store. */
    @TearDown(Level.Trial)
    public void close() {
        service.close();
        handle.close();
    }

    /** Empties the store between invocations (not timed), so every invocation starts from the same data. */
    @TearDown(Level.Invocation)
    public void reset() {
        handle.ceilingPurge(workload.patientIds());
    }

    /**
     * One bulk delete, kick-off to completion.
     *
     * @throws InterruptedException when interrupted
     */
    @Benchmark
    public void bulkDelete() throws InterruptedException {
        Map<String, List<String>> query = new java.util.HashMap<>(CRITERIA);
        switch (mode) {
            case "HARD" -> query.put("_hardDelete", List.of("true"));
            case "PURGE_HISTORY" -> query.put("_purgeHistory", List.of("true"));
            default -> { }
        }
        String jobId = service.submitBulkDelete(BulkDeleteRequest.ofType("Observation", query));
        BulkDeleteStatus done = service.awaitBulkDelete(jobId, Duration.ofMinutes(30));
        if (done.state() != TaskState.COMPLETED || done.deletedCount() != expected) {
            throw new IllegalStateException("Bulk delete ended " + done.state() + " with " + done.deletedCount()
                    + " deleted, expected " + expected);
        }
    }
}
