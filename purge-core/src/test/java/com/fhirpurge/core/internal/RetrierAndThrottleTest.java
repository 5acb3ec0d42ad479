package com.fhirpurge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fhirpurge.spi.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetrierAndThrottleTest {

    private final List<Duration> waits = new ArrayList<>();
    private final Sleeper recording = waits::add;

    @Test
    void transientFailuresAreRetriedWithDoublingCappedBackoff() throws Exception {
        Retrier retrier = new Retrier(5, Duration.ofMillis(100), Duration.ofMillis(300), recording);
        AtomicInteger calls = new AtomicInteger();

        String result = retrier.call("job", "op", () -> {
            if (calls.incrementAndGet() < 5) {
                throw new StoreException("deadlock", null, true);
            }
            return "ok";
        });

        assertThat(result).isEqualTo("ok");
        assertThat(waits).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(300),
                Duration.ofMillis(300));
    }

    @Test
    void aLostRaceIsTriedAgainAtOnceThenFurtherFailuresWaitTheBackoff() throws Exception {
        Retrier retrier = new Retrier(5, Duration.ofMillis(100), Duration.ofMillis(300), recording);
        AtomicInteger calls = new AtomicInteger();

        String result = retrier.call("job", "op", () -> {
            if (calls.incrementAndGet() < 4) {
                throw new StoreException("Deadlock found when trying to get lock", null, true, "40001/1213");
            }
            return "ok";
        });

        assertThat(result).isEqualTo("ok");
        assertThat(waits).hasSize(3);
        assertThat(waits.get(0)).isPositive().isLessThanOrEqualTo(Duration.ofMillis(Retrier.RACE_PAUSE_MILLIS));
        assertThat(waits.subList(1, 3)).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @Test
    void aConnectionFailureWaitsTheBackoffFromTheFirstRetry() throws Exception {
        Retrier retrier = new Retrier(3, Duration.ofMillis(100), Duration.ofMillis(300), recording);
        AtomicInteger calls = new AtomicInteger();

        retrier.call("job", "op", () -> {
            if (calls.incrementAndGet() < 2) {
                throw new StoreException("connection reset", null, true, "08006/0");
            }
            return "ok";
        });

        assertThat(waits).containsExactly(Duration.ofMillis(100));
    }

    @Test
    void permanentFailuresAndExhaustedRetriesPassThrough() {
        Retrier retrier = new Retrier(3, Duration.ofMillis(1), Duration.ofMillis(1), recording);
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> retrier.call("job", "op", () -> {
            calls.incrementAndGet();
            throw new StoreException("syntax error", null, false);
        })).hasMessage("syntax error");
        assertThat(calls).hasValue(1);

        assertThatThrownBy(() -> retrier.call("job", "op", () -> {
            calls.incrementAndGet();
            throw new StoreException("timeout", null, true);
        })).hasMessage("timeout");
        assertThat(calls).hasValue(4);
        assertThatThrownBy(() -> retrier.call("job", "op", () -> {
            throw new IllegalStateException("bug");
        })).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theThrottleHoldsTheLongRunRateAndNeverWaitsWhenOff() throws Exception {
        AtomicLong nanos = new AtomicLong(0);
        Sleeper advancing = d -> {
            waits.add(d);
            nanos.addAndGet(d.toNanos());
        };
        Throttle throttle = new Throttle(100, advancing, nanos::get);

        for (int i = 0; i < 10; i++) {
            throttle.acquire(50);
        }

        assertThat(waits).hasSize(9).allSatisfy(d -> assertThat(d).isEqualTo(Duration.ofMillis(500)));
        assertThat(Duration.ofNanos(nanos.get())).isEqualTo(Duration.ofMillis(4500));

        waits.clear();
        Throttle off = new Throttle(0, advancing, nanos::get);
        off.acquire(1_000_000);
        assertThat(waits).isEmpty();
    }

    @Test
    void jobIdsAreUniqueVersion7UuidsInCreationOrder() {
        InstantSource t1 = InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z"));
        InstantSource t2 = InstantSource.fixed(Instant.parse("2026-01-01T00:00:00.001Z"));
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            ids.add(JobIds.next(t1));
        }
        String later = JobIds.next(t2);

        assertThat(ids).hasSize(1000).allSatisfy(id -> {
            assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
            assertThat(id).isLessThan(later);
        });
    }
}
