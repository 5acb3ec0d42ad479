package com.fhirpurge.server;

import static com.fhirpurge.server.TestServer.CTX;
import static com.fhirpurge.server.TestServer.part;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.Observation;
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
 * The dry run and the policies over real HTTP: {@code _dryRun=true} in the kick-off body or the query answers 200 at
 * once with what a purge would erase, the shared resources and the references from outside, and erases nothing;
 * {@code outsideReferences=fail} leaves a referenced patient whole; {@code sharedResources=keep} keeps and lists the
 * shared member the dry run named.
 */
class DryRunEndToEndTest {

    @TempDir
    Path dataDir;
    TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Observation observation(String id, String subject) {
        Observation o = new Observation();
        o.setId(id);
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.setSubject(new Reference("Patient/" + subject));
        return o;
    }

    private static ParametersParameterComponent result(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return CTX.newJsonParser().parseResource(Parameters.class, r.body()).getParameterFirstRep();
    }

    @Test
    void aDryRunReportsWithoutErasingAndMatchesThePurgeThatFollows() throws Exception {
        server = TestServer.start(dataDir);
        Observation performed = observation("o-other", "other");
        performed.addPerformer(new Reference("Patient/p1"));
        ListResource list = new ListResource();
        list.setId("l1");
        list.setStatus(ListResource.ListStatus.CURRENT).setMode(ListResource.ListMode.WORKING);
        list.setSource(new Reference("Practitioner/dr"));
        list.addEntry().setItem(new Reference("Observation/o1"));
        Bundle b = new Bundle();
        b.setType(BundleType.TRANSACTION);
        for (Resource r : new Resource[] {new Patient().setId("p1"), new Patient().setId("other"),
            observation("o1", "p1"), observation("o2", "p1"), performed, list}) {
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

        for (ParametersParameterComponent r : java.util.List.of(byBody, byQuery)) {
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
        failing.addParameter().setName("outsideReferences").setValue(new org.hl7.fhir.r4.model.CodeType("fail"));
        Parameters refused = server.pollUntilDone(server.bulkPurgeAccepted(
                CTX.newJsonParser().encodeResourceToString(failing)));
        assertThat(part(refused.getParameterFirstRep(), "status")).isEqualTo("error");
        assertThat(part(refused.getParameterFirstRep(), "errorMessage")).contains("List/l1 item -> Observation/o1");
        assertThat(server.send("GET", "Observation/o1", null).statusCode()).as("nothing erased").isEqualTo(200);

        kickOff.getParameter().remove(1);
        kickOff.addParameter().setName("sharedResources").setValue(new org.hl7.fhir.r4.model.CodeType("keep"));
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
