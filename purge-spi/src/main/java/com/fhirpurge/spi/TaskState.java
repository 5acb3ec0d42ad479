package com.fhirpurge.spi;

/**
 * The state of a task (the unit a worker leases: one patient of a purge, one resource type of a bulk delete).
 * Which transitions are allowed is decided by the core's transition table, not here.
 */
public enum TaskState {
    /** Created, not yet claimed by a worker. */
    NEW("new"),
    /** Claimed by a worker; resumable from its checkpoint when the lease expires. */
    PROCESSING("processing"),
    /** Everything in scope was erased. Final. */
    COMPLETED("completed"),
    /** The task stopped on a permanent failure; the reason is kept. Final. */
    ERROR("error"),
    /** Cancelled by a caller before it finished; what was erased stays erased. Final. */
    CANCELLED("cancelled");

    private final String code;

    TaskState(String code) {
        this.code = code;
    }

    /**
     * The wire code, as the status {@code Parameters} renders it.
     *
     * @return e.g. {@code processing}
     */
    public String code() {
        return code;
    }

    /**
     * Whether this state ends a task: completed, error or cancelled.
     *
     * @return {@code true} for a final state
     */
    public boolean isFinal() {
        return this == COMPLETED || this == ERROR || this == CANCELLED;
    }
}
