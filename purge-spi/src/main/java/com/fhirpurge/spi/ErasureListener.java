package com.fhirpurge.spi;

/**
 * Told after each committed batch, so a vendor can erase the same resources from side stores (search index, cache,
 * blob store).
 *
 * <p><b>Threading:</b> called on the worker thread that erased the batch, possibly from several workers at once;
 * implementations must be thread-safe. The engine waits for the call to return before its next batch, so a slow
 * listener slows the purge. <b>Errors:</b> an exception from a listener is logged with the job id and does not undo
 * or stop the purge (the batch is already committed); a listener that must not miss an event should record it
 * durably before returning.
 */
@FunctionalInterface
public interface ErasureListener {

    /**
     * Called once per committed batch that erased at least one resource.
     *
     * @param event the batch
     */
    void afterErase(ErasureEvent event);
}
