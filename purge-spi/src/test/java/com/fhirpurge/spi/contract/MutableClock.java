package com.fhirpurge.spi.contract;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/** A settable time source: tests advance it instead of sleeping. */
public final class MutableClock implements InstantSource {

    private volatile Instant now;

    /**
     * Creates a clock.
     *
     * @param start the initial time
     */
    public MutableClock(Instant start) {
        this.now = start;
    }

    @Override
    public Instant instant() {
        return now;
    }

    /**
     * Moves time forward.
     *
     * @param duration how far
     */
    public synchronized void advance(Duration duration) {
        now = now.plus(duration);
    }
}
