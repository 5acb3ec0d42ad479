package com.fhirpurge.core.internal;

import java.time.Duration;

/** Waits; injectable so tests of backoff and throttling record waits instead of sleeping. */
@FunctionalInterface
public interface Sleeper {

    /**
     * Waits up to {@code duration}; may return early when the engine stops.
     *
     * @param duration how long
     * @throws InterruptedException when the thread is interrupted
     */
    void sleep(Duration duration) throws InterruptedException;
}
