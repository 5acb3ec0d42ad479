package com.fhirpurge.server;

import static com.fhirpurge.server.TestServer.CTX;
import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.core.audit.AuditEventErasureAudit;
import com.fhirpurge.spi.ErasureDigest;
import com.fhirpurge.spi.ResourceKey;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityDetailComponent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The erasure record through the real server: a purge kicked off with a {@code reason} leaves an {@code AuditEvent}
 * per patient in the store, readable over the REST API after the patient is gone, whose digest an auditor who kept
 * the list of references recomputes.
 */
class ErasureRecordEndToEndTest {

    @TempDir
    Path dataDir;
    TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String detail(AuditEvent e, String type) {
        return e.getEntityFirstRep().getDetail().stream().filter(d -> d.getType().equals(type)).findFirst()
                .map(AuditEventEntityDetailComponent::getValue).map(v -> v.primitiveValue()).orElse(null);
    }

    @Test
    void aPurgedPatientLeavesAnAuditEventWithWhoWhyWhatAndARecomputableDigest() throws Exception {
        server = TestServer.start(dataDir);
        Bundle data = new Bundle();
        data.setType(BundleType.TRANSACTION);
        List<ResourceKey> erased = new ArrayList<>(List.of(ResourceKey.of("Patient", "gone")));
        data.addEntry().setResource(new Patient().setId("gone")).getRequest().setMethod(HTTPVerb.PUT)
                .setUrl("Patient/gone");
        for (int i = 0; i < 7; i++) {
            Observation o = new Observation();
            o.setId("gone-o" + i);
            o.setStatus(Observation.ObservationStatus.FINAL);
            o.setSubject(new Reference("Patient/gone"));
            data.addEntry().setResource(o).getRequest().setMethod(HTTPVerb.PUT).setUrl("Observation/gone-o" + i);
            erased.add(ResourceKey.of("Observation", "gone-o" + i));
        }
        assertThat(server.send("POST", "", CTX.newJsonParser().encodeResourceToString(data),
                "Content-Type", "application/fhir+json").statusCode()).isEqualTo(200);
        Parameters kickOff = new Parameters();
        kickOff.addParameter().setName("patientId").setValue(new StringType("gone"));
        kickOff.addParameter().setName("reason").setValue(new StringType("GDPR art. 17 request 2026-118"));

        String statusUrl = server.bulkPurgeAccepted(CTX.newJsonParser().encodeResourceToString(kickOff));
        server.pollUntilDone(statusUrl);
        String jobId = statusUrl.substring(statusUrl.lastIndexOf('/') + 1);

        assertThat(server.send("GET", "Patient/gone", null).statusCode()).isEqualTo(404);
        HttpResponse<String> read = server.send("GET", "AuditEvent/" + AuditEventErasureAudit.idOf(jobId, "gone"),
                null);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        AuditEvent event = CTX.newJsonParser().parseResource(AuditEvent.class, read.body());
        assertThat(event.getAction().toCode()).isEqualTo("D");
        assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("$purge");
        assertThat(event.getOutcome().toCode()).isEqualTo("0");
        assertThat(event.getEntityFirstRep().getWhat().getIdentifier().getValue()).isEqualTo("gone");
        assertThat(detail(event, "jobId")).isEqualTo(jobId);
        assertThat(detail(event, "reason")).isEqualTo("GDPR art. 17 request 2026-118");
        assertThat(detail(event, "erasedCount")).isEqualTo("8");
        assertThat(detail(event, "erased:Observation")).isEqualTo("7");
        assertThat(detail(event, "erasedDigest")).isEqualTo(ErasureDigest.of(erased));
        assertThat(read.body()).doesNotContain("gone-o");
    }
}
