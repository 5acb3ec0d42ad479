package com.fhirpurge.server;

import static com.fhirpurge.server.TestServer.CTX;
import static com.fhirpurge.server.TestServer.issue;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bulk delete through the real server over real HTTP (embedded H2, auth off): resources written through the REST
 * API (indexed with HAPI on the way in), the specification's two example criteria, each mode, read back through the
 * REST API.
 */
class BulkDeleteEndToEndTest {

    @TempDir
    Path dataDir;
    TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(dataDir);
        Bundle b = new Bundle();
        b.setType(BundleType.TRANSACTION);
        String[][] patients = {{"meadow", "Auf der Wiese", "1987-02-20"}, {"berlin", "Berlin", "1987-02-20"},
            {"wiesloch", "Wiesloch", "1990-01-01"}};
        for (String[] p : patients) {
            Patient patient = new Patient();
            patient.setId(p[0]);
            patient.addAddress(new Address().setCity(p[1]));
            patient.setBirthDateElement(new DateType(p[2]));
            b.addEntry().setResource(patient).getRequest().setMethod(HTTPVerb.PUT).setUrl("Patient/" + p[0]);
            Observation o = new Observation();
            o.setId("o-" + p[0]);
            o.setStatus(Observation.ObservationStatus.FINAL);
            o.setSubject(new Reference("Patient/" + p[0]));
            o.setCode(new CodeableConcept().addCoding(new Coding("http://loinc.org", "8867-4", null)));
            b.addEntry().setResource(o).getRequest().setMethod(HTTPVerb.PUT).setUrl("Observation/o-" + p[0]);
        }
        HttpResponse<String> r = server.send("POST", "", CTX.newJsonParser().encodeResourceToString(b),
                "Content-Type", "application/fhir+json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String accepted(String pathAndQuery) {
        HttpResponse<String> r = server.send("DELETE", pathAndQuery, null, "Prefer", "respond-async",
                "Accept", "application/fhir+json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String location = r.headers().firstValue("Content-Location").orElseThrow();
        assertThat(location).startsWith(server.base() + "/_operations/bulk-delete/");
        return location;
    }

    private HttpResponse<String> pollUntilDone(String statusUrl) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            HttpResponse<String> r = server.send("GET", statusUrl, null);
            if (r.statusCode() != 202) {
                assertThat(r.headers().firstValue("X-Progress")).isEmpty();
                return r;
            }
            assertThat(r.headers().firstValue("X-Progress")).isPresent();
            assertThat(System.nanoTime()).as("bulk delete finished in time").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private int read(String path) {
        return server.send("GET", path, null).statusCode();
    }

    private static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Test
    void theChainedExampleSoftDeletesItsObservationsWhichThenRead410WithHistoryKept() throws Exception {
        String status = accepted("Observation/$bulk-delete?" + q("subject:Patient.birthdate") + "=1987-02-20");

        HttpResponse<String> done = pollUntilDone(status);

        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(done.body()).isEqualTo("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":"
                + "\"ResourceDeletedCount\",\"part\":[{\"name\":\"Observation\",\"valueDecimal\":2.0}]}]}");
        assertThat(read("Observation/o-meadow")).isEqualTo(410);
        assertThat(read("Observation/o-berlin")).isEqualTo(410);
        assertThat(read("Observation/o-wiesloch")).isEqualTo(200);
        assertThat(read("Observation/o-meadow/_history/1")).isEqualTo(200);
        assertThat(read("Patient/meadow")).isEqualTo(200);
        assertThat(server.send("DELETE", status, null).statusCode()).as("a finished job cannot be cancelled")
                .isEqualTo(409);
    }

    @Test
    void theAddressExampleHardDeletesItsPatientWhichThenReads404() throws Exception {
        HttpResponse<String> done = pollUntilDone(accepted("Patient/$bulkDelete?address:contains=Wiese"
                + "&_hardDelete=true"));

        assertThat(done.body()).contains("{\"name\":\"Patient\",\"valueDecimal\":1.0}");
        assertThat(read("Patient/meadow")).isEqualTo(404);
        assertThat(read("Patient/meadow/_history/1")).isEqualTo(404);
        assertThat(read("Patient/wiesloch")).isEqualTo(200);
        assertThat(read("Patient/berlin")).isEqualTo(200);
        assertThat(read("Observation/o-meadow")).as("other types are untouched").isEqualTo(200);
    }

    @Test
    void purgeHistoryKeepsTheCurrentVersionAndASystemLevelDeleteHonoursExclusions() throws Exception {
        Patient update = new Patient();
        update.setId("berlin");
        update.addAddress(new Address().setCity("Berlin"));
        update.setBirthDateElement(new DateType("1987-02-21"));
        assertThat(server.send("PUT", "Patient/berlin", CTX.newJsonParser().encodeResourceToString(update),
                "Content-Type", "application/fhir+json").statusCode()).isEqualTo(200);

        HttpResponse<String> purged = pollUntilDone(accepted("Patient/$bulk-delete?_purgeHistory=true"));
        assertThat(purged.body()).contains("{\"name\":\"Patient\",\"valueDecimal\":1.0}");
        assertThat(read("Patient/berlin/_history/1")).isEqualTo(404);
        assertThat(read("Patient/berlin/_history/2")).isEqualTo(200);
        assertThat(read("Patient/berlin")).isEqualTo(200);

        HttpResponse<String> system = pollUntilDone(accepted("$bulk-delete?_hardDelete=true"
                + "&excludedResourceTypes=Patient"));
        assertThat(system.body()).contains("{\"name\":\"Observation\",\"valueDecimal\":3.0}")
                .doesNotContain("\"Patient\"");
        assertThat(read("Observation/o-wiesloch")).isEqualTo(404);
        assertThat(read("Patient/wiesloch")).isEqualTo(200);
    }

    @Test
    void badRequestsAre400WithAnOutcomeNamingTheProblemAndStartNothing() {
        HttpResponse<String> noPrefer = server.send("DELETE", "Observation/$bulk-delete", null);
        HttpResponse<String> unknown = server.send("DELETE", "Observation/$bulk-delete?colour=red", null,
                "Prefer", "respond-async");
        HttpResponse<String> badDate = server.send("DELETE", "Observation/$bulk-delete?date=2024-02-30", null,
                "Prefer", "respond-async");

        assertThat(noPrefer.statusCode()).isEqualTo(400);
        assertThat(issue(noPrefer).getDiagnostics()).contains("respond-async");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(issue(unknown).getDiagnostics()).contains("colour");
        assertThat(badDate.statusCode()).isEqualTo(400);
        assertThat(issue(badDate).getDiagnostics()).contains("2024-02-30");
        assertThat(server.send("GET", "_operations/bulk-delete/nope", null).statusCode()).isEqualTo(404);
        assertThat(read("Observation/o-meadow")).isEqualTo(200);
    }
}
