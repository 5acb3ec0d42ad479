package com.fhirpurge.spi;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The proof of one patient's purge, handed to every {@link ErasureAudit} when the patient's purge ends: who asked,
 * why, when, what was erased per resource type, and the {@link ErasureDigest} of the erased references, which names
 * none of them. It outlives the job: a job is forgotten after its retention, its erasure records are not.
 *
 * @param jobId        the job
 * @param patientId    the patient whose compartment was purged
 * @param outcome      how the patient's purge ended: completed, error (then see {@code errorReason}) or cancelled
 * @param requestedBy  the caller identity that submitted the job, {@code null} when unknown
 * @param reason       the reason given at kick-off (e.g. "GDPR art. 17 request 2026-118"), {@code null} when none
 * @param recordedAt   when the purge ended
 * @param erasedByType resources erased, per type, each counted once (history versions and index rows are part of
 *                     their resource)
 * @param erasedDigest the digest of exactly the resources counted in {@code erasedByType}
 * @param errorReason  why the purge ended in error, else {@code null}
 */
public record ErasureRecord(String jobId, String patientId, TaskState outcome, String requestedBy, String reason,
                            Instant recordedAt, Map<String, Long> erasedByType, String erasedDigest,
                            String errorReason) {

    /**
     * Validates and copies.
     *
     * @param jobId        see {@link #jobId()}
     * @param patientId    see {@link #patientId()}
     * @param outcome      see {@link #outcome()}
     * @param requestedBy  see {@link #requestedBy()}
     * @param reason       see {@link #reason()}
     * @param recordedAt   see {@link #recordedAt()}
     * @param erasedByType see {@link #erasedByType()}
     * @param erasedDigest see {@link #erasedDigest()}
     * @param errorReason  see {@link #errorReason()}
     */
    public ErasureRecord {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(patientId, "patientId");
        Objects.requireNonNull(recordedAt, "recordedAt");
        if (outcome == null || !outcome.isFinal()) {
            throw new IllegalArgumentException("An erasure record is made for a final outcome, not " + outcome);
        }
        erasedByType = Collections.unmodifiableMap(new TreeMap<>(erasedByType));
        if (!ErasureDigest.isDigest(erasedDigest)) {
            throw new IllegalArgumentException("Not an erasure digest: '" + erasedDigest + "'");
        }
    }

    /**
     * Resources erased, all types together.
     *
     * @return the sum of {@link #erasedByType()}
     */
    public long erasedCount() {
        return erasedByType.values().stream().mapToLong(Long::longValue).sum();
    }
}
