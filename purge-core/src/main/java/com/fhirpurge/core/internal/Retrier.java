package com.fhirpurge.core.internal;

import com.fhirpurge.spi.StoreException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries store calls that fail with a transient {@link StoreException}, with exponential backoff. Permanent
 * failures and every other exception pass through at once; after the last attempt the transient failure passes
 * through too.
 *
 * <p>A call's first failure that is a lost race, a transaction the database rolled back so that a concurrent one
 * could go on (a deadlock or a serialization failure: SQL state class {@code 40}), is tried again almost at once,
 * after a random pause of at most {@value #RACE_PAUSE_MILLIS} ms: the winner holds its locks for one statement, not
 * for the backoff, and two workers deleting next to each other on MariaDB lose such races now and then. Further
 * failures of the call wait the backoff.
 */
public final class Retrier {

    private static final Logger LOG = LoggerFactory.getLogger(Retrier.class);
    /** The longest pause before a lost race is tried again. */
    static final int RACE_PAUSE_MILLIS = 10;

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Sleeper sleeper;

    /**
     * Creates a retrier.
     *
     * @param maxAttempts    attempts per call, at least 1
     * @param initialBackoff the first wait
     * @param maxBackoff     the longest wait
     * @param sleeper        how to wait
     */
    public Retrier(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Sleeper sleeper) {
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.sleeper = sleeper;
    }

    /**
     * Calls {@code call}, retrying transient store failures.
     *
     * @param jobId     for the log line
     * @param operation what the call does, for the log line
     * @param call      the store call
     * @param <T>       the result type
     * @return the call's result
     * @throws StoreException       the last transient failure, or the first permanent one
     * @throws InterruptedException when interrupted while waiting
     */
    public <T> T call(String jobId, String operation, Supplier<T> call) throws InterruptedException {
        Duration backoff = initialBackoff;
        boolean raceRetried = false;
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (StoreException e) {
                if (!e.isTransient() || attempt >= maxAttempts) {
                    throw e;
                }
                if (!raceRetried && lostRace(e)) {
                    raceRetried = true;
                    Duration pause = Duration.ofMillis(1 + ThreadLocalRandom.current().nextInt(RACE_PAUSE_MILLIS));
                    LOG.debug("job {}: {} lost a race (attempt {} of {}), retrying in {}: {}", jobId, operation,
                            attempt, maxAttempts, pause, e.getMessage());
                    sleeper.sleep(pause);
                    continue;
                }
                LOG.warn("job {}: {} failed transiently (attempt {} of {}), retrying in {}: {}", jobId, operation,
                        attempt, maxAttempts, backoff, e.getMessage());
                sleeper.sleep(backoff);
                backoff = backoff.multipliedBy(2);
                if (backoff.compareTo(maxBackoff) > 0) {
                    backoff = maxBackoff;
                }
            }
        }
    }

    /** A transaction rolled back in favour of another: SQL state class 40 (JDBC adapters report the SQL state). */
    private static boolean lostRace(StoreException e) {
        return e.vendorState() != null && e.vendorState().startsWith("40");
    }
}
