package com.fhirpurge.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A worker's lease on a task. The {@code fence} increases by one on every successful claim, so a worker that lost
 * its lease (it expired and another worker claimed the task) presents an old fence and every fenced write of it is
 * refused with {@link LeaseLostException}.
 *
 * @param owner the worker that holds the lease
 * @param until when the lease expires unless extended by a heartbeat
 * @param fence the claim counter at the time of the claim
 */
public record Lease(String owner, Instant until, long fence) {

    /**
     * Validates.
     *
     * @param owner see {@link #owner()}
     * @param until see {@link #until()}
     * @param fence see {@link #fence()}
     */
    public Lease {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(until, "until");
        if (owner.isBlank()) {
            throw new IllegalArgumentException("Blank lease owner");
        }
        if (fence < 1) {
            throw new IllegalArgumentException("Fence must be at least 1, was " + fence);
        }
    }
}
