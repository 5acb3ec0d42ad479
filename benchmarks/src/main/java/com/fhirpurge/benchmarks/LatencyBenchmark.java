package com.fhirpurge.benchmarks;

import com.fhirpurge.core.PurgeJobStatus;
import com.fhirpurge.core.PurgeRequest;
import com.fhirpurge.core.PurgeService;
import java.util.ArrayList;
import java.util.List;
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
 * Kick-off latency (submit to accepted: validation, the job and its task stored) and status read latency (the job
 * and its tasks read back), with 1,000 jobs already stored. The service is not started, so no worker competes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LatencyBenchmark {

    /** Jobs stored before measuring. */
    static final int STORED_JOBS = 1000;

    /** The store. */
    @Param({"H2", "POSTGRES", "MARIADB", "MONGO"})
    public BenchStore store;

    private StoreHandle handle;
    private PurgeService service;
    private final List<String> jobIds = new ArrayList<>();
    private int next;

    /** Opens the store and stores the jobs. */
    @Setup(Level.Trial)
    public void open() {
        handle = store.open(4);
        service = PurgeService.builder(handle.storage()).build();
        for (int i = 0; i < STORED_JOBS; i++) {
            jobIds.add(service.submitPatientPurge(PurgeRequest.of("lat-" + i, "lat-" + i + "-b")));
        }
    }

    /** Drops the store. */
    @TearDown(Level.Trial)
    public void close() {
        service.close();
        handle.close();
    }

    /**
     * Submits a purge of two patients.
     *
     * @return the job id
     */
    @Benchmark
    public String kickOff() {
        return service.submitPatientPurge(PurgeRequest.of("k-" + (next++), "k-b"));
    }

    /**
     * Reads a stored job's status.
     *
     * @return the status
     */
    @Benchmark
    public PurgeJobStatus statusRead() {
        next = (next + 1) % STORED_JOBS;
        return service.status(jobIds.get(next));
    }
}
