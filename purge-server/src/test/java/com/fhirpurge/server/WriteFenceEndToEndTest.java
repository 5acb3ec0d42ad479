package com.fhirpurge.server;

import static com.fhirpurge.server.TestServer.CTX;
import static com.fhirpurge.server.TestServer.issue;
import static com.fhirpurge.server.TestServer.part;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write fence through the real server over real HTTP: while a patient is being purged (slowed down with
 * {@code --throttle}), writes into the patient's compartment are refused with 409 and an OperationOutcome naming the
 * patient and the job, writes elsewhere go on, and once the purge has ended the compartment takes writes again.
 */
class WriteFenceEndToEndTest {

    @TempDir
    Path dataDir;
    TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Observation observationOf(String id, String patientId) {
        Observation o = new Observation();
        o.setId(id);
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.setSubject(new Reference("Patient/" + patientId));
        return o;
    }

    private static String json(org.hl7.fhir.r4.model.Resource r) {
        return CTX.newJsonParser().encodeResourceToString(r);
    }

    private HttpResponse<String> put(org.hl7.fhir.r4.model.Resource r) {
        return server.send("PUT", r.fhirType() + "/" + r.getIdElement().getIdPart(), json(r),
                "Content-Type", "application/fhir+json");
    }

    private HttpResponse<String> post(Bundle b) {
        return server.send("POST", "", json(b), "Content-Type", "application/fhir+json");
    }

    private static Bundle bundleOf(BundleType type, org.hl7.fhir.r4.model.Resource... resources) {
        Bundle b = new Bundle();
        b.setType(type);
        for (org.hl7.fhir.r4.model.Resource r : resources) {
            b.addEntry().setResource(r).getRequest().setMethod(HTTPVerb.PUT)
                    .setUrl(r.fhirType() + "/" + r.getIdElement().getIdPart());
        }
        return b;
    }

    @Test
    void writesIntoACompartmentBeingPurgedAre409AndEverythingElseGoesOn() throws Exception {
        server = TestServer.start(dataDir, "--throttle", "40", "--batch-size", "10", "--workers", "1");
        Bundle data = bundleOf(BundleType.TRANSACTION, new Patient().setId("slow"), new Patient().setId("other"));
        for (int i = 0; i < 120; i++) {
            Observation o = observationOf("slow-" + i, "slow");
            data.addEntry().setResource(o).getRequest().setMethod(HTTPVerb.PUT).setUrl("Observation/slow-" + i);
        }
        assertThat(post(data).statusCode()).isEqualTo(200);
        Parameters kickOff = new Parameters();
        kickOff.addParameter().setName("patientId").setValue(new StringType("slow"));
        String statusUrl = server.bulkPurgeAccepted(json(kickOff));
        String jobId = statusUrl.substring(statusUrl.lastIndexOf('/') + 1);

        HttpResponse<String> intoPurged = put(observationOf("late", "slow"));
        HttpResponse<String> patientItself = put(new Patient().setId("slow"));
        Observation performedBy = observationOf("perf", "other");
        performedBy.addPerformer(new Reference("Patient/slow"));
        HttpResponse<String> performer = put(performedBy);
        HttpResponse<String> elsewhere = put(observationOf("fine", "other"));
        HttpResponse<String> transaction = post(bundleOf(BundleType.TRANSACTION, observationOf("t1", "other"),
                observationOf("t2", "slow")));
        HttpResponse<String> batch = post(bundleOf(BundleType.BATCH, observationOf("b1", "other"),
                observationOf("b2", "slow")));
        String stillRunning = server.send("GET", statusUrl, null).body();

        assertThat(intoPurged.statusCode()).as(intoPurged.body()).isEqualTo(409);
        OperationOutcome.OperationOutcomeIssueComponent refused = issue(intoPurged);
        assertThat(refused.getCode().toCode()).isEqualTo("conflict");
        assertThat(refused.getDiagnostics()).contains("Observation/late").contains("Patient/slow").contains(jobId);
        assertThat(patientItself.statusCode()).isEqualTo(409);
        assertThat(performer.statusCode()).as("performed by the patient: in the compartment").isEqualTo(409);
        assertThat(elsewhere.statusCode()).isEqualTo(201);
        assertThat(transaction.statusCode()).isEqualTo(409);
        assertThat(issue(transaction).getExpression()).extracting(Object::toString).containsExactly("Bundle.entry[1]");
        assertThat(server.send("GET", "Observation/t1", null).statusCode()).as("all or nothing").isEqualTo(404);
        assertThat(batch.statusCode()).isEqualTo(200);
        Bundle batchResult = CTX.newJsonParser().parseResource(Bundle.class, batch.body());
        assertThat(batchResult.getEntry()).extracting(e -> e.getResponse().getStatus())
                .containsExactly("201 Created", "409 Conflict");
        assertThat(stillRunning).as("the purge was still running when the writes were refused")
                .contains("\"processing\"");

        Parameters done = server.pollUntilDone(statusUrl);
        assertThat(part(done.getParameter().get(0), "purgedResourcesCount")).isEqualTo("121");
        assertThat(server.send("GET", "Observation/slow-0", null).statusCode()).isEqualTo(404);
        assertThat(server.send("GET", "Observation/late", null).statusCode()).as("never written").isEqualTo(404);
        assertThat(put(observationOf("after", "slow")).statusCode()).as("the fence lifts with the purge")
                .isEqualTo(201);
    }
}
