package com.fhirpurge.benchmarks;

import com.fhirpurge.core.PatientStatus;
import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeRequest;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.TaskState;
import java.time.Duration;
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
 * Patient purge of the same patients, three ways, on the same store and data: through the full engine
 * ({@link PurgeService}: workers, leases, checkpoints, sweeps), the naive loop a vendor writes first (find the
 * compartment, delete each resource in a transaction of its own), and the set-based ceiling (one statement per table,
 * no engine). Each invocation loads the patients' records afresh (not timed) and checks afterwards that exactly the
 * control rows are left: nothing behind, nothing extra gone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PurgeBenchmark {

    /** The store. */
    @Param({"H2", "POSTGRES", "MARIADB", "MONGO"})
    public BenchStore store;

    /** Resources in each patient's compartment, the Patient included. */
    @Param({"10", "100", "10000"})
    public int resourcesPerPatient;

    /** Resources purged per invocation, all patients together. */
    @Param({"20000"})
    public int totalResources;

    /** The share of resources with a second version. */
    @Param({"0.2"})
    public double historyShare;

    /**
     * Resources of patients who stay, as a multiple of the resources purged: written once per trial, before the
     * control rows are counted, so they count among the rows every invocation must leave. 0 by default: the tables
     * then hold only the purged patients and the control set, where a full scan is the fastest way to delete them.
     */
    @Param({"0"})
    public double keptShare;

    /** The engine's batch size. */
    @Param({"500"})
    public int batchSize;

    /** The engine's workers. */
    @Param({"2"})
    public int workers;

    private StoreHandle handle;
    private Workload workload;
    private PurgeService service;
    private long controlRows;

    /** Opens the store, writes the control set and the patients who stay, starts the engine. */
    @Setup(Level.Trial)
    public void open() {
        handle = store.open(workers + 4);
        handle.writer().write(Workload.shared());
        int patients = Math.max(1, totalResources / resourcesPerPatient);
        if (keptShare > 0) {
            Workload.kept((int) Math.ceil(patients * keptShare), resourcesPerPatient, historyShare)
                    .load(handle.writer());
        }
        controlRows = handle.countRows();
        workload = Workload.of(patients, resourcesPerPatient, historyShare);
        service = PurgeService.builder(handle.storage()).config(PurgeConfig.builder().nodeId("bench")
                .batchSize(batchSize).workers(workers).pollInterval(Duration.ofMillis(50))
                .maxPatientsPerJob(10_000).compartment(Workload.COMPARTMENT).build()).build().start();
    }

    /** Loads the patients' records (not timed). */
    @Setup(Level.Invocation)
    public void load() {
        workload.load(handle.writer());
    }

    /** Checks that exactly the control rows are left. */
    @TearDown(Level.Invocation)
    public void verify() {
        long rows = handle.countRows();
        if (rows != controlRows) {
            throw new IllegalStateException(store + ": " + rows + " rows left after the purge, expected the "
                    + controlRows + " control rows");
        }
    }

    /** Stops the engine and drops the store. */
    @TearDown(Level.Trial)
    public void close() {
        service.close();
        handle.close();
    }

    /**
     * The engine: one job naming every patient.
     *
     * @throws InterruptedException when interrupted
     */
    @Benchmark
    public void engine() throws InterruptedException {
        String jobId = service.submitPatientPurge(new PurgeRequest(workload.patientIds(), "bench"));
        for (PatientStatus p : service.awaitTermination(jobId, Duration.ofMinutes(30)).patients()) {
            if (p.state() != TaskState.COMPLETED) {
                throw new IllegalStateException("Patient " + p.patientId() + " ended " + p.state() + ": "
                        + p.errorReason());
            }
        }
    }

    /** The naive loop: page through each compartment, delete each resource in its own transaction. */
    @Benchmark
    public void naive() {
        for (String patientId : workload.patientIds()) {
            CompartmentScope scope = new CompartmentScope(Workload.COMPARTMENT, patientId);
            String cursor = null;
            do {
                ResourcePage page = handle.storage().finder().findMembers(scope, cursor, 500);
                for (ResourceKey key : page.items()) {
                    handle.storage().eraser().hardDelete(List.of(key));
                }
                cursor = page.hasNext() ? page.nextPageToken() : null;
            } while (cursor != null);
        }
    }

    /** The ceiling: set-based statements straight on the tables. */
    @Benchmark
    public void ceiling() {
        handle.ceilingPurge(workload.patientIds());
    }
}
