package com.fhirpurge.core.internal;

import com.fhirpurge.spi.Lease;
import com.fhirpurge.spi.TaskRecord;

/**
 * A task a worker of this node is running: shared between the worker and the heartbeat thread.
 */
final class ActiveTask {

    private final TaskRecord claimed;
    private volatile Lease lease;
    private volatile boolean cancelRequested;
    private volatile boolean leaseLost;
    private boolean released;

    ActiveTask(TaskRecord claimed) {
        this.claimed = claimed;
        this.lease = claimed.lease();
        this.cancelRequested = claimed.cancelRequested();
    }

    TaskRecord claimed() {
        return claimed;
    }

    String taskId() {
        return claimed.taskId();
    }

    String jobId() {
        return claimed.jobId();
    }

    Lease lease() {
        return lease;
    }

    void extended(Lease extended) {
        this.lease = extended;
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    void requestCancel() {
        this.cancelRequested = true;
    }

    boolean leaseLost() {
        return leaseLost;
    }

    void markLeaseLost() {
        this.leaseLost = true;
    }

    /** Called with this object's monitor held, so no heartbeat re-extends a lease given back. */
    void markReleased() {
        this.released = true;
    }

    /** Read with this object's monitor held. */
    boolean released() {
        return released;
    }
}
