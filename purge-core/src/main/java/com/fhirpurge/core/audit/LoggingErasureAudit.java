package com.fhirpurge.core.audit;

import com.fhirpurge.spi.ErasureAudit;
import com.fhirpurge.spi.ErasureRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each erasure record as one INFO line on the logger {@value #LOGGER}, for hosts whose audit trail is their
 * log pipeline. The line names the job, the patient, the outcome, who asked and why, the counts and the digest, and
 * no erased resource.
 */
public final class LoggingErasureAudit implements ErasureAudit {

    /** The logger's name: route it to the audit log. */
    public static final String LOGGER = "com.fhirpurge.erasure";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    /** Creates the audit. */
    public LoggingErasureAudit() {
        // stateless
    }

    @Override
    public void record(ErasureRecord r) {
        LOG.info("erasure job={} patient={} outcome={} requestedBy={} reason={} at={} erased={} byType={} "
                        + "digest=sha256-sum:{}{}", r.jobId(), r.patientId(), r.outcome().code(),
                quoted(r.requestedBy()), quoted(r.reason()), r.recordedAt(), r.erasedCount(), r.erasedByType(),
                r.erasedDigest(), r.errorReason() == null ? "" : " error=" + quoted(r.errorReason()));
    }

    private static String quoted(String s) {
        return s == null ? "-" : '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }
}
