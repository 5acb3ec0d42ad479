package com.fhirpurge.core.internal;

import java.time.Duration;

/**
 * Limits how many resources per second all workers of a node erase together. Each batch reserves its share of
 * time; a worker waits out the debt left by earlier batches before its next one, so the long-run rate never
 * exceeds the limit while a single batch is never split.
 *
 * <p><b>Threading:</b> safe for concurrent use.
 */
public final class Throttle {

    private final double perSecond;
    private final Sleeper sleeper;
    private final java.util.function.LongSupplier nanoTime;
    private long nextFreeNanos;

    /**
     * Creates a throttle.
     *
     * @param perSecond the most resources per second; 0 for no limit
     * @param sleeper   how to wait
     * @param nanoTime  a monotonic clock in nanoseconds ({@code System::nanoTime} in production)
     */
    public Throttle(double perSecond, Sleeper sleeper, java.util.function.LongSupplier nanoTime) {
        this.perSecond = perSecond;
        this.sleeper = sleeper;
        this.nanoTime = nanoTime;
        this.nextFreeNanos = nanoTime.getAsLong();
    }

    /**
     * Accounts for {@code resources} just erased and waits as long as the rate requires.
     *
     * @param resources resources erased by the batch
     * @throws InterruptedException when interrupted while waiting
     */
    public void acquire(int resources) throws InterruptedException {
        if (perSecond <= 0 || resources <= 0) {
            return;
        }
        long cost = (long) (resources * 1_000_000_000d / perSecond);
        long wait;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            long start = Math.max(nextFreeNanos, now);
            wait = start - now;
            nextFreeNanos = start + cost;
        }
        if (wait > 0) {
            sleeper.sleep(Duration.ofNanos(wait));
        }
    }
}
