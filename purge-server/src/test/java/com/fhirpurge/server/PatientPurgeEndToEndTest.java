package com.fhirpurge.server;

import static com.fhirpurge.server.TestServer.CTX;
import static com.fhirpurge.server.TestServer.SEED_KICK_OFF;
import static com.fhirpurge.server.TestServer.SEED_PATIENTS;
import static com.fhirpurge.server.TestServer.issue;
import static com.fhirpurge.server.TestServer.part;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import com.fhirpurge.spi.ResourceKey;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real server over real HTTP with auth off: data loaded through a transaction Bundle with HAPI's generic
 * client, purged with the specification's kick-off body, checked gone; the REST API; every error path.
 */
class PatientPurgeEndToEndTest {

    @TempDir
    static Path dataDir;
    static TestServer server;
    static IGenericClient client;

    @BeforeAll
    static void start() {
        server = TestServer.start(dataDir);
        FhirContext clientCtx = FhirContext.forR4();
        clientCtx.getRestfulClientFactory().setSocketTimeout(30_000);
        client = clientCtx.newRestfulGenericClient(server.base());
        client.setEncoding(EncodingEnum.JSON);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A transaction: a Patient (PUT, or POST with a urn:uuid) with encounters and observations pointing at it. */
    private static Bundle aTransactionOf(List<String> putPatients, int resourcesEach, boolean alsoPostedPatient) {
        Bundle b = new Bundle();
        b.setType(BundleType.TRANSACTION);
        List<String> subjects = new ArrayList<>();
        for (String id : putPatients) {
            Patient p = new Patient();
            p.setId(id);
            p.addName().setFamily("Seed");
            b.addEntry().setResource(p).getRequest().setMethod(HTTPVerb.PUT).setUrl("Patient/" + id);
            subjects.add("Patient/" + id);
        }
        if (alsoPostedPatient) {
            Patient p = new Patient();
            p.addName().setFamily("Posted");
            b.addEntry().setFullUrl("urn:uuid:0f6a7d1e-1111-4c2a-9d55-3c1b2a000001").setResource(p)
                    .getRequest().setMethod(HTTPVerb.POST).setUrl("Patient");
            subjects.add("urn:uuid:0f6a7d1e-1111-4c2a-9d55-3c1b2a000001");
        }
        int n = 0;
        for (String subject : subjects) {
            String encounterUrn = "urn:uuid:0f6a7d1e-2222-4c2a-9d55-" + String.format("%012d", n++);
            Encounter e = new Encounter();
            e.setStatus(Encounter.EncounterStatus.FINISHED);
            e.setSubject(new Reference(subject));
            b.addEntry().setFullUrl(encounterUrn).setResource(e).getRequest().setMethod(HTTPVerb.POST)
                    .setUrl("Encounter");
            for (int i = 0; i < resourcesEach; i++) {
                Observation o = new Observation();
                o.setStatus(Observation.ObservationStatus.FINAL);
                o.getCode().setText("heart rate " + i);
                o.setSubject(new Reference(subject));
                o.setEncounter(new Reference(encounterUrn));
                o.addPerformer(new Reference("Practitioner/shared-doc"));
                b.addEntry().setResource(o).getRequest().setMethod(HTTPVerb.POST).setUrl("Observation");
            }
        }
        return b;
    }

    private static List<String> locations(Bundle response) {
        List<String> out = new ArrayList<>();
        for (Bundle.BundleEntryComponent e : response.getEntry()) {
            assertThat(e.getResponse().getStatus()).startsWith("201");
            out.add(new IdType(e.getResponse().getLocation()).toUnqualifiedVersionless().getValue());
        }
        return out;
    }

    @Test
    void printsTheListeningLineOnceReady() {
        assertThat(server.output).contains("Listening on " + server.base() + "\n");
        assertThat(server.base()).matches("http://127\\.0\\.0\\.1:\\d+/fhir");
    }

    @Test
    void purgesTheSeedPatientsLoadedThroughATransactionAndLeavesTheOthers() throws Exception {
        Practitioner doc = new Practitioner();
        doc.setId("shared-doc");
        client.update().resource(doc).execute();
        Bundle loaded = client.transaction().withBundle(aTransactionOf(SEED_PATIENTS, 4, false)).execute();
        List<String> purged = locations(loaded);
        Bundle kept = client.transaction().withBundle(aTransactionOf(List.of("keep-1"), 3, true)).execute();
        List<String> keptIds = locations(kept);
        assertThat(purged).hasSize(3 * 6).contains("Patient/" + SEED_PATIENTS.get(0));
        // the urn:uuid references were rewritten to the ids the server assigned
        String postedPatient = keptIds.get(1);
        assertThat(postedPatient).startsWith("Patient/");
        Observation keptObs = client.read().resource(Observation.class).withId(keptIds.get(keptIds.size() - 1))
                .execute();
        assertThat(keptObs.getSubject().getReference()).isEqualTo(postedPatient);
        assertThat(keptObs.getEncounter().getReference()).startsWith("Encounter/");
        assertThat(keptObs.getMeta().getVersionId()).isEqualTo("1");
        assertThat(keptObs.getMeta().getLastUpdated()).isNotNull();
        // a second version so history has more than one entry
        client.update().resource(client.read().resource(Patient.class).withId(SEED_PATIENTS.get(1)).execute())
                .execute();

        String statusUrl = server.bulkPurgeAccepted(SEED_KICK_OFF);
        Parameters status = server.pollUntilDone(statusUrl);
        assertThat(status.getParameter()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            ParametersParameterComponent result = status.getParameter().get(i);
            assertThat(result.getName()).isEqualTo("result");
            assertThat(part(result, "patientId")).isEqualTo(SEED_PATIENTS.get(i));
            assertThat(part(result, "status")).isEqualTo("completed");
            assertThat(part(result, "totalResourcesCount")).isEqualTo("6");
            assertThat(part(result, "purgedResourcesCount")).isEqualTo("6");
            assertThat(part(result, "updatedAt")).isNotNull();
        }

        for (String id : purged) {
            IdType idType = new IdType(id);
            assertThatThrownBy(() -> client.read().resource(idType.getResourceType()).withId(idType.getIdPart())
                    .execute()).as(id).isInstanceOf(ResourceNotFoundException.class);
            assertThatThrownBy(() -> client.history().onInstance(idType).returnBundle(Bundle.class).execute())
                    .as(id).isInstanceOf(ResourceNotFoundException.class);
            assertThat(server.server.storage().reader().footprint(ResourceKey.parse(id)).isEmpty()).as(id).isTrue();
        }
        for (String id : keptIds) {
            IdType idType = new IdType(id);
            assertThat(client.read().resource(idType.getResourceType()).withId(idType.getIdPart()).execute())
                    .as(id).isNotNull();
        }
        assertThat(client.read().resource(Practitioner.class).withId("shared-doc").execute()).isNotNull();

        HttpResponse<String> cancelFinished = server.send("DELETE", statusUrl, null);
        assertThat(cancelFinished.statusCode()).isEqualTo(409);
        assertThat(issue(cancelFinished).getCode().toCode()).isEqualTo("conflict");
    }

    @Test
    void purgesOnePatientThroughItsInstanceOperation() throws Exception {
        Bundle loaded = client.transaction().withBundle(aTransactionOf(List.of("single-1", "single-2"), 2, false))
                .execute();
        HttpResponse<String> accepted = server.send("POST", "Patient/single-1/$purge", null, "Prefer",
                "respond-async");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        Parameters status = server.pollUntilDone(accepted.headers().firstValue("Content-Location").orElseThrow());
        assertThat(part(status.getParameterFirstRep(), "patientId")).isEqualTo("single-1");
        assertThat(part(status.getParameterFirstRep(), "purgedResourcesCount")).isEqualTo("4");
        assertThatThrownBy(() -> client.read().resource(Patient.class).withId("single-1").execute())
                .isInstanceOf(ResourceNotFoundException.class);
        assertThat(client.read().resource(Patient.class).withId("single-2").execute().getIdElement().getIdPart())
                .isEqualTo("single-2");
        assertThat(locations(loaded)).hasSize(8);
    }

    @Test
    void absoluteReferencesUnderThisServersBaseAreLocalAndOthersAreNot() throws Exception {
        String json = "{\"resourceType\":\"%s\",\"id\":\"%s\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
                + "\"subject\":{\"reference\":\"%s\"}}";
        assertThat(server.send("PUT", "Patient/abs-1", "{\"resourceType\":\"Patient\",\"id\":\"abs-1\"}",
                "Content-Type", "application/fhir+json").statusCode()).isEqualTo(201);
        assertThat(server.send("PUT", "Observation/abs-local", json.formatted("Observation", "abs-local",
                server.base() + "/Patient/abs-1/_history/1"), "Content-Type", "application/fhir+json").statusCode())
                .isEqualTo(201);
        assertThat(server.send("PUT", "Observation/abs-foreign", json.formatted("Observation", "abs-foreign",
                "https://other-hospital.example/fhir/Patient/abs-1"), "Content-Type", "application/fhir+json")
                .statusCode()).isEqualTo(201);

        HttpResponse<String> accepted = server.send("POST", "Patient/abs-1/$purge", null, "Prefer", "respond-async");
        Parameters status = server.pollUntilDone(accepted.headers().firstValue("Content-Location").orElseThrow());

        assertThat(part(status.getParameterFirstRep(), "purgedResourcesCount")).isEqualTo("2");
        assertThat(server.send("GET", "Observation/abs-local", null).statusCode()).isEqualTo(404);
        assertThat(server.send("GET", "Observation/abs-foreign", null).statusCode()).isEqualTo(200);
    }

    @Test
    void restApiCreatesUpdatesReadsDeletesAndShowsHistory() {
        CapabilityStatement cs = client.capabilities().ofType(CapabilityStatement.class).execute();
        assertThat(cs.getFhirVersion().toCode()).isEqualTo("4.0.1");
        assertThat(cs.getRestFirstRep().getResource()).anySatisfy(r -> {
            assertThat(r.getType()).isEqualTo("Patient");
            assertThat(r.getOperation()).extracting(o -> o.getName()).contains("purge", "bulk-purge");
        });

        Patient p = new Patient();
        p.addName().setFamily("Created");
        MethodOutcome created = client.create().resource(p).execute();
        assertThat(created.getCreated()).isTrue();
        String id = created.getId().getIdPart();
        assertThat(created.getId().getVersionIdPart()).isEqualTo("1");

        Patient read = client.read().resource(Patient.class).withId(id).execute();
        read.getNameFirstRep().setFamily("Updated");
        MethodOutcome updated = client.update().resource(read).execute();
        assertThat(updated.getId().getVersionIdPart()).isEqualTo("2");
        assertThat(client.read().resource(Patient.class).withId(id).execute().getNameFirstRep().getFamily())
                .isEqualTo("Updated");

        client.delete().resourceById("Patient", id).execute();
        assertThatThrownBy(() -> client.read().resource(Patient.class).withId(id).execute())
                .isInstanceOf(ResourceGoneException.class);
        Bundle history = client.history().onInstance(new IdType("Patient", id)).returnBundle(Bundle.class).execute();
        assertThat(history.getType()).isEqualTo(BundleType.HISTORY);
        assertThat(history.getEntry()).hasSize(3);
        assertThat(history.getEntry().get(0).getRequest().getMethod()).isEqualTo(HTTPVerb.DELETE);
        assertThat(((Patient) history.getEntry().get(1).getResource()).getMeta().getVersionId()).isEqualTo("2");

        assertThatThrownBy(() -> client.read().resource(Patient.class).withId("never-written").execute())
                .isInstanceOf(ResourceNotFoundException.class);
        HttpResponse<String> gone = server.send("GET", "Patient/" + id, null);
        assertThat(gone.statusCode()).isEqualTo(410);
        assertThat(issue(gone).getCode().toCode()).isEqualTo("deleted");
    }

    @Test
    void aBatchWritesTheValidEntriesAndReportsTheOthers() {
        String batch = """
                {"resourceType":"Bundle","type":"batch","entry":[
                  {"resource":{"resourceType":"Patient","id":"batch-ok"},"request":{"method":"PUT","url":"Patient/batch-ok"}},
                  {"resource":{"resourceType":"Patient"},"request":{"method":"PUT","url":"Patient/bad_id"}}]}""";
        HttpResponse<String> r = server.send("POST", "", batch, "Content-Type", "application/fhir+json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Bundle response = CTX.newJsonParser().parseResource(Bundle.class, r.body());
        assertThat(response.getType()).isEqualTo(BundleType.BATCHRESPONSE);
        assertThat(response.getEntry().get(0).getResponse().getStatus()).startsWith("201");
        assertThat(response.getEntry().get(1).getResponse().getStatus()).startsWith("400");
        assertThat(client.read().resource(Patient.class).withId("batch-ok").execute()).isNotNull();
    }

    @Test
    void anInvalidTransactionWritesNothing() {
        String transaction = """
                {"resourceType":"Bundle","type":"transaction","entry":[
                  {"resource":{"resourceType":"Patient","id":"tx-ok"},"request":{"method":"PUT","url":"Patient/tx-ok"}},
                  {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},
                    "subject":{"reference":"urn:uuid:not-in-bundle"}},"request":{"method":"POST","url":"Observation"}}]}""";
        HttpResponse<String> r = server.send("POST", "", transaction, "Content-Type", "application/fhir+json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(issue(r).getDiagnostics()).contains("urn:uuid:not-in-bundle");
        assertThat(server.send("GET", "Patient/tx-ok", null).statusCode()).isEqualTo(404);
    }

    // ------------------------------------------------------------------------------------------------ errors

    @Test
    void kickOffWithoutPreferIs400() {
        HttpResponse<String> r = server.send("POST", "Patient/$bulk-purge", SEED_KICK_OFF, "Content-Type",
                "application/fhir+json");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(issue(r).getDiagnostics()).contains("respond-async");
    }

    @Test
    void badBodiesAndIdsAre400() {
        assertThat(server.kickOff("{\"resourceType\":\"Parameters\",").statusCode()).isEqualTo(400);
        HttpResponse<String> badId = server.kickOff("""
                {"resourceType":"Parameters","parameter":[{"name":"patientId","valueString":"a_b"}]}""");
        assertThat(badId.statusCode()).isEqualTo(400);
        assertThat(issue(badId).getCode().toCode()).isEqualTo("value");
        HttpResponse<String> badInstance = server.send("POST", "Patient/a_b/$purge", null, "Prefer",
                "respond-async");
        assertThat(badInstance.statusCode()).isEqualTo(400);
        assertThat(server.send("PUT", "Patient/a_b", "{\"resourceType\":\"Patient\"}", "Content-Type",
                "application/fhir+json").statusCode()).isEqualTo(400);
        HttpResponse<String> wrongType = server.send("PUT", "Patient/x1", "{\"resourceType\":\"Observation\"}",
                "Content-Type", "application/fhir+json");
        assertThat(wrongType.statusCode()).isEqualTo(400);
        HttpResponse<String> unknownElement = server.send("PUT", "Patient/x1",
                "{\"resourceType\":\"Patient\",\"nonsense\":1}", "Content-Type", "application/fhir+json");
        assertThat(unknownElement.statusCode()).isEqualTo(400);
        assertThat(issue(unknownElement).getCode().toCode()).isEqualTo("structure");
    }

    @Test
    void unknownJobsAndPathsAre404() {
        HttpResponse<String> job = server.send("GET", "Patient-bulk-purge/0190a8f0-0000-7000-8000-000000000000",
                null);
        assertThat(job.statusCode()).isEqualTo(404);
        assertThat(issue(job).getCode().toCode()).isEqualTo("not-found");
        assertThat(server.send("DELETE", "Patient-bulk-purge/nope", null).statusCode()).isEqualTo(404);
        HttpResponse<String> path = server.send("GET", "NoSuchType/1", null);
        assertThat(path.statusCode()).isEqualTo(404);
        issue(path);
        assertThat(server.send("GET", "Patient/1/_history/1/extra", null).statusCode()).isEqualTo(404);
        assertThat(server.send("GET", server.base().replace("/fhir", "/other"), null).statusCode()).isEqualTo(404);
    }

    @Test
    void wrongMethodsAre405WithAllow() {
        HttpResponse<String> get = server.send("GET", "Patient/$bulk-purge", null);
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        assertThat(issue(get).getCode().toCode()).isEqualTo("not-supported");
        assertThat(server.send("GET", "Patient/p1/$purge", null).statusCode()).isEqualTo(405);
        assertThat(server.send("PUT", "Patient-bulk-purge/x", "{}").statusCode()).isEqualTo(405);
        assertThat(server.send("PATCH", "Patient/p1", "{}").statusCode()).isEqualTo(405);
        assertThat(server.send("DELETE", "metadata", null).statusCode()).isEqualTo(405);
        assertThat(server.send("GET", "", null).statusCode()).isEqualTo(405);
    }

    @Test
    void bodiesOverTheLimitAre413() {
        String huge = "{\"resourceType\":\"Parameters\",\"x\":\"" + "a".repeat(70_000) + "\"}";
        HttpResponse<String> purge = server.kickOff(huge);
        assertThat(purge.statusCode()).isEqualTo(413);
        assertThat(issue(purge).getCode().toCode()).isEqualTo("too-long");
        assertThat(server.send("PUT", "Patient/big", huge, "Content-Type", "application/fhir+json").statusCode())
                .isEqualTo(413);
        assertThat(server.send("POST", "", "x".repeat(3_000_000)).statusCode()).isEqualTo(413);
    }

    @Test
    void nonJsonBodiesAre415() {
        HttpResponse<String> xml = server.send("POST", "Patient/$bulk-purge", "<Parameters/>", "Prefer",
                "respond-async", "Content-Type", "application/fhir+xml");
        assertThat(xml.statusCode()).isEqualTo(415);
        assertThat(issue(xml).getCode().toCode()).isEqualTo("not-supported");
        assertThat(server.send("PUT", "Patient/p9", "<Patient/>", "Content-Type", "application/xml").statusCode())
                .isEqualTo(415);
    }
}
