package com.fhirpurge.core.http;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Refuses a status read of a job that comes sooner than the configured interval after the previous one, so a
 * client polling in a tight loop gets {@code 429} and a {@code Retry-After} instead of load on the job store. It
 * remembers the last read of at most {@value #MAX_JOBS} jobs (least recently polled forgotten first). Thread-safe.
 */
final class PollLimiter {

    static final int MAX_JOBS = 10_000;

    private final long minIntervalNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Long> lastPoll = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_JOBS;
        }
    };

    PollLimiter(Duration minInterval, LongSupplier nanoTime) {
        this.minIntervalNanos = minInterval.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Records a poll of the job; {@code false} when it came too soon after the previous one (not recorded). */
    synchronized boolean tryPoll(String jobId) {
        if (minIntervalNanos == 0) {
            return true;
        }
        long now = nanoTime.getAsLong();
        Long last = lastPoll.get(jobId);
        if (last != null && now - last < minIntervalNanos) {
            return false;
        }
        lastPoll.put(jobId, now);
        return true;
    }
}
