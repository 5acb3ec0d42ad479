package com.fhirpurge.server;

import static com.fhirpurge.server.TestServer.CTX;
import static com.fhirpurge.server.TestServer.issue;
import static com.fhirpurge.server.TestServer.part;
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
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Erasure you can prove, through the real server over real HTTP (embedded H2, auth off):
 * <ul>
 *   <li>the write fence: while a patient is being purged (slowed down with {@code --throttle}), writes into the
 *       compartment are 409 with an OperationOutcome naming the patient and the job, writes elsewhere go on, and the
 *       compartment takes writes again once the purge has ended;</li>
 *   <li>the erasure record: a purge kicked off with a {@code reason} leaves an {@code AuditEvent} per patient,
 *       readable after the patient is gone, whose digest an auditor who kept the references recomputes;</li>
 *   <li>the dry run and the policies: {@code _dryRun=true} answers 200 with what a purge would erase and erases
 *       nothing; {@code outsideReferences=fail} leaves a referenced patient whole; {@code sharedResources=keep}
 *       keeps and lists the shared member the dry run named.</li>
 * </ul>
 */
class ErasureProofEndToEndTest {

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

    private static String json(Resource r) {
        return CTX.newJsonParser().encodeResourceToString(r);
    }

    private HttpResponse<String> put(Resource r) {
        return server.send("PUT", r.fhirType() + "/" + r.getIdElement().getIdPart(), json(r),
                "Content-Type", "application/fhir+json");
    }

    private HttpResponse<String> post(Bundle b) {
        return server.send("POST", "", json(b), "Content-Type", "application/fhir+json");
    }

    private static Bundle bundleOf(BundleType type, org.hl7.fhir.r4.model.Resource... resources) {
        Bundle b = new Bundle();
        b.setType(type);
        for (Resource r : resources) {
            b.addEntry().setResource(r).getRequest().setMethod(HTTPVerb.PUT)
                    .setUrl(r.fhirType() + "/" + r.getIdElement().getIdPart());
        }
        return b;
    }

    private static String detail(AuditEvent e, String type) {
        return e.getEntityFirstRep().getDetail().stream().filter(d -> d.getType().equals(type)).findFirst()
                .map(AuditEventEntityDetailComponent::getValue).map(v -> v.primitiveValue()).orElse(null);
    }

    private static ParametersParameterComponent result(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return CTX.newJsonParser().parseResource(Parameters.class, r.body()).getParameterFirstRep();
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

    @Test
    void aDryRunReportsWithoutErasingAndMatchesThePurgeThatFollows() throws Exception {
        server = TestServer.start(dataDir);
        Observation performed = observationOf("o-other", "other");
        performed.addPerformer(new Reference("Patient/p1"));
        ListResource list = new ListResource();
        list.setId("l1");
        list.setStatus(ListResource.ListStatus.CURRENT).setMode(ListResource.ListMode.WORKING);
        list.setSource(new Reference("Practitioner/dr"));
        list.addEntry().setItem(new Reference("Observation/o1"));
        Bundle b = new Bundle();
        b.setType(BundleType.TRANSACTION);
        for (Resource r : new Resource[] {new Patient().setId("p1"), new Patient().setId("other"),
            observationOf("o1", "p1"), observationOf("o2", "p1"), performed, list}) {
            b.addEntry().setResource(r).getRequest().setMethod(HTTPVerb.PUT)
                    .setUrl(r.fhirType() + "/" + r.getIdElement().getIdPart());
        }
        assertThat(server.send("POST", "", CTX.newJsonParser().encodeResourceToString(b),
                "Content-Type", "application/fhir+json").statusCode()).isEqualTo(200);
        Parameters kickOff = new Parameters();
        kickOff.addParameter().setName("patientId").setValue(new StringType("p1"));
        kickOff.addParameter().setName("_dryRun").setValue(new BooleanType(true));

        ParametersParameterComponent byBody = result(server.send("POST", "Patient/$bulk-purge",
                CTX.newJsonParser().encodeResourceToString(kickOff), "Content-Type", "application/fhir+json"));
        ParametersParameterComponent byQuery = result(server.send("POST", "Patient/p1/$purge?_dryRun=true", null));

        for (ParametersParameterComponent r : List.of(byBody, byQuery)) {
            assertThat(part(r, "patientId")).isEqualTo("p1");
            assertThat(part(r, "totalResourcesCount")).isEqualTo("4");
            assertThat(part(r, "sharedResourcesCount")).isEqualTo("1");
            assertThat(part(r, "outsideReferencesCount")).isEqualTo("1");
        }
        ParametersParameterComponent shared = byBody.getPart().stream()
                .filter(p -> p.getName().equals("sharedResource")).findFirst().orElseThrow();
        assertThat(((Reference) shared.getPart().get(0).getValue()).getReference()).isEqualTo("Observation/o-other");
        assertThat(shared.getPart().get(1).getValue().primitiveValue()).isEqualTo("other");
        assertThat(server.send("GET", "Observation/o1", null).statusCode()).as("nothing erased").isEqualTo(200);

        Parameters failing = new Parameters();
        failing.addParameter().setName("patientId").setValue(new StringType("p1"));
        failing.addParameter().setName("outsideReferences").setValue(new CodeType("fail"));
        Parameters refused = server.pollUntilDone(server.bulkPurgeAccepted(
                CTX.newJsonParser().encodeResourceToString(failing)));
        assertThat(part(refused.getParameterFirstRep(), "status")).isEqualTo("error");
        assertThat(part(refused.getParameterFirstRep(), "errorMessage")).contains("List/l1 item -> Observation/o1");
        assertThat(server.send("GET", "Observation/o1", null).statusCode()).as("nothing erased").isEqualTo(200);

        kickOff.getParameter().remove(1);
        kickOff.addParameter().setName("sharedResources").setValue(new CodeType("keep"));
        Parameters done = server.pollUntilDone(server.bulkPurgeAccepted(
                CTX.newJsonParser().encodeResourceToString(kickOff)));
        assertThat(part(done.getParameterFirstRep(), "status")).isEqualTo("completed");
        assertThat(part(done.getParameterFirstRep(), "purgedResourcesCount")).as("the dry run's 4, less the shared")
                .isEqualTo("3");
        assertThat(part(done.getParameterFirstRep(), "keptSharedResourcesCount")).isEqualTo("1");
        assertThat(((Reference) done.getParameterFirstRep().getPart().stream()
                .filter(p -> p.getName().equals("keptSharedResource")).findFirst().orElseThrow().getValue())
                .getReference()).isEqualTo("Observation/o-other");
        assertThat(server.send("GET", "Observation/o-other", null).statusCode()).as("kept").isEqualTo(200);
        assertThat(server.send("GET", "List/l1", null).statusCode()).as("outside, left").isEqualTo(200);
        assertThat(server.send("POST", "Patient/p1/$purge?_dryRun=maybe", null).statusCode()).isEqualTo(400);
    }
}
