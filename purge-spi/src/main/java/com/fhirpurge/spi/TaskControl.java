package com.fhirpurge.spi;

/**
 * What a worker should do after a successful fenced write.
 */
public enum TaskControl {
    /** Keep working. */
    CONTINUE,
    /** A caller asked to cancel the job: stop at this batch boundary and finish the task as cancelled. */
    CANCEL_REQUESTED
}
