package com.fhirpurge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.core.memory.InMemoryJobRepository;
import com.fhirpurge.core.memory.InMemoryResourceStore;
import com.fhirpurge.spi.JobKind;
import com.fhirpurge.spi.JobRecord;
import com.fhirpurge.spi.TaskRecord;
import com.fhirpurge.spi.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The signal {@code PurgeService.awaitTermination} waits on: a run ending on this node wakes the waiter. */
class EngineRunEndTest {

    @Test
    @Timeout(120) // a guard against a lost signal, which would otherwise wait a day; not a speed limit
    void aRunEndingWakesAWaiterWhoseWaitHasNotRunOut() throws InterruptedException {
        InMemoryResourceStore store = new InMemoryResourceStore();
        InMemoryJobRepository jobs = new InMemoryJobRepository();
        PurgeConfig config = PurgeConfig.builder().nodeId("n").workers(1).pollInterval(Duration.ofMillis(20)).build();
        try (Engine engine = new Engine(PurgeStorage.of(store, store, jobs), config, InstantSource.system())) {
            engine.start();
            long seen = engine.runsEnded();
            Instant now = Instant.now();
            jobs.create(new JobRecord("j", JobKind.PATIENT_PURGE, now, null, Map.of()),
                    List.of(TaskRecord.newTask("j-0", "j", 0, "p1", now)));
            engine.wakeUp();

            engine.awaitRunEnd(seen, Duration.ofDays(1));

            assertThat(engine.runsEnded()).isGreaterThan(seen);
            assertThat(jobs.findTasks("j")).singleElement().extracting(TaskRecord::state)
                    .isEqualTo(TaskState.COMPLETED);
        }
    }

    @Test
    void aWaitWithNothingEndingRunsOut() throws InterruptedException {
        InMemoryResourceStore store = new InMemoryResourceStore();
        PurgeConfig config = PurgeConfig.builder().nodeId("n").workers(1).build();
        try (Engine engine = new Engine(PurgeStorage.of(store, store, new InMemoryJobRepository()), config,
                InstantSource.system())) {
            long seen = engine.runsEnded();
            engine.awaitRunEnd(seen, Duration.ofMillis(20));
            assertThat(engine.runsEnded()).isEqualTo(seen);
        }
    }
}
