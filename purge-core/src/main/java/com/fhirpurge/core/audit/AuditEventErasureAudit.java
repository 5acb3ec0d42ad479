package com.fhirpurge.core.audit;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.spi.ErasureAudit;
import com.fhirpurge.spi.ErasureRecord;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.ResourceWriter;
import com.fhirpurge.spi.TaskState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * Keeps each erasure record as an R4 {@code AuditEvent} in the FHIR store, through its {@link ResourceWriter}.
 *
 * <p>The event: {@code type} {@code rest} (audit-event-type), {@code subtype} {@code $purge}
 * ({@value #OPERATION_SYSTEM}), {@code action} {@code D}, {@code recorded} when the patient's purge ended,
 * {@code outcome} 0 (completed), 4 (cancelled) or 8 (error, with the reason in {@code outcomeDesc}); one requesting
 * agent with the caller identity; the {@code source} {@value #SOURCE}; one entity for the purged patient with
 * details {@code jobId}, {@code reason}, {@code erasedCount}, {@code erasedDigest} ({@link com.fhirpurge.spi
 * .ErasureDigest}) and {@code erased:<Type>} per resource type.
 *
 * <p>The patient is named by an identifier ({@value #PATIENT_ID_SYSTEM}), never by a reference: a reference would
 * put the event into the patient's compartment, and the next purge of that id would erase the proof of this one.
 * The event's id is derived from the job and the patient ({@link #idOf}), so a record handed over twice (the engine
 * delivers at least once) is one event with a second version.
 *
 * <p>Threading: safe for concurrent use when the writer is.
 */
public final class AuditEventErasureAudit implements ErasureAudit {

    /** The code system of the {@code $purge} subtype. */
    public static final String OPERATION_SYSTEM = "urn:fhir-purge:operation";
    /** The identifier system naming the purged patient. */
    public static final String PATIENT_ID_SYSTEM = "urn:fhir-purge:patient-id";
    /** The event's source observer. */
    public static final String SOURCE = "fhir-purge";

    private final FhirContext ctx;
    private final ResourceWriter writer;

    /**
     * Creates the audit.
     *
     * @param ctx    an R4 context
     * @param writer the store's writer
     */
    public AuditEventErasureAudit(FhirContext ctx, ResourceWriter writer) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.writer = Objects.requireNonNull(writer, "writer");
    }

    /**
     * The id of the event of a job's purge of a patient: {@code erasure-} and the first 40 hex digits of the SHA-256
     * of {@code jobId|patientId}.
     *
     * @param jobId     the job
     * @param patientId the patient
     * @return the AuditEvent id
     */
    public static String idOf(String jobId, String patientId) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((jobId + "|" + patientId).getBytes(StandardCharsets.UTF_8));
            return "erasure-" + HexFormat.of().formatHex(hash).substring(0, 40);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }

    /**
     * The event for a record.
     *
     * @param r the record
     * @return the AuditEvent
     */
    public AuditEvent toAuditEvent(ErasureRecord r) {
        AuditEvent e = new AuditEvent();
        e.setId(idOf(r.jobId(), r.patientId()));
        e.setType(new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest",
                "RESTful Operation"));
        e.addSubtype(new Coding(OPERATION_SYSTEM, "$purge", "Patient purge"));
        e.setAction(AuditEventAction.D);
        e.setRecorded(Date.from(r.recordedAt()));
        e.setOutcome(r.outcome() == TaskState.COMPLETED ? AuditEventOutcome._0
                : r.outcome() == TaskState.CANCELLED ? AuditEventOutcome._4 : AuditEventOutcome._8);
        if (r.outcome() != TaskState.COMPLETED) {
            e.setOutcomeDesc(r.errorReason() != null ? r.errorReason() : "cancelled");
        }
        e.addAgent().setRequestor(true).setWho(new Reference()
                .setDisplay(r.requestedBy() != null ? r.requestedBy() : "unknown"));
        e.getSource().setObserver(new Reference().setDisplay(SOURCE));
        AuditEventEntityComponent patient = e.addEntity();
        patient.setWhat(new Reference().setIdentifier(new Identifier().setSystem(PATIENT_ID_SYSTEM)
                .setValue(r.patientId())));
        patient.setType(new Coding("http://hl7.org/fhir/resource-types", "Patient", "Patient"));
        detail(patient, "jobId", r.jobId());
        if (r.reason() != null) {
            detail(patient, "reason", r.reason());
        }
        detail(patient, "erasedCount", Long.toString(r.erasedCount()));
        detail(patient, "erasedDigest", r.erasedDigest());
        r.erasedByType().forEach((type, n) -> detail(patient, "erased:" + type, Long.toString(n)));
        return e;
    }

    @Override
    public void record(ErasureRecord r) {
        AuditEvent event = toAuditEvent(r);
        ResourceKey key = ResourceKey.of("AuditEvent", event.getIdElement().getIdPart());
        writer.write(List.of(new ResourceWrite(key, ctx.newJsonParser().encodeResourceToString(event),
                r.recordedAt(), List.of())));
    }

    private static void detail(AuditEventEntityComponent entity, String type, String value) {
        entity.addDetail().setType(type).setValue(new StringType(value));
    }
}
