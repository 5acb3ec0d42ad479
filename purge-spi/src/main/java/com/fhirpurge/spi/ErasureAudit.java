package com.fhirpurge.spi;

/**
 * Audit role: keeps the {@link ErasureRecord} of every patient purge, where the vendor's compliance officers look
 * (an audit log, a FHIR {@code AuditEvent}, a ledger).
 *
 * <p><b>When.</b> The engine hands over a patient's record when the patient's purge reaches a final state, just
 * before it writes that state. Delivery is therefore at least once: a worker that dies between the two leaves the
 * patient to another worker, which hands over the record again, with the same job and patient and the counts then
 * final. Implementations key records by job and patient so that a repeat replaces the earlier one.
 *
 * <p><b>Errors.</b> A transient {@link StoreException} is retried like any store call. When recording fails for
 * good, the engine logs the whole record at ERROR level, so it is not lost, and still ends the patient's purge: an
 * erasure the law demands is not held up by its paperwork.
 *
 * <p><b>Threading:</b> called from many worker threads at once.
 */
@FunctionalInterface
public interface ErasureAudit {

    /**
     * Keeps a record.
     *
     * @param record the record
     */
    void record(ErasureRecord record);
}
