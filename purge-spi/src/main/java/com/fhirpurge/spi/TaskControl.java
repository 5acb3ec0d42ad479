package com.fhirpurge.spi;

/**
 * What a worker should do after a fenced write.
 */
public enum TaskControl {
    /** Keep working. */
    CONTINUE,
    /** A caller asked to cancel the job: stop at this batch boundary and finish the task as cancelled. */
    CANCEL_REQUESTED,
    /**
     * The write was refused because the writer no longer holds the lease, and changed nothing. Only the batch
     * method {@link JobRepository#writeAll} answers this; the single-task writes throw {@link LeaseLostException}.
     */
    LEASE_LOST
}
