package com.fhirpurge.server;

import static com.fhirpurge.server.TestServer.SECRET;
import static com.fhirpurge.server.TestServer.issue;
import static com.fhirpurge.server.TestServer.jwt;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real server with {@code --jwt-secret}: HS256 bearer tokens signed here, SMART scopes. */
class AuthEndToEndTest {

    private static final String ONE = """
            {"resourceType":"Parameters","parameter":[{"name":"patientId","valueString":"%s"}]}""";

    @TempDir
    static Path dataDir;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(dataDir, "--jwt-secret", SECRET);
        HttpResponse<String> put = server.send("PUT", "Patient/alice", "{\"resourceType\":\"Patient\",\"id\":\"alice\"}",
                "Content-Type", "application/fhir+json", "Authorization", bearer("system/*.cruds", null));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String bearer(String scope, String patient) {
        long exp = Instant.now().getEpochSecond() + 600;
        return "Bearer " + jwt(SECRET, "{\"sub\":\"tester\",\"scope\":\"" + scope + "\",\"exp\":" + exp
                + (patient == null ? "" : ",\"patient\":\"" + patient + "\"") + "}");
    }

    @Test
    void aSystemScopePurgesAnyPatientAndSeesItsJob() throws Exception {
        String auth = bearer("system/kodjin/$patient-purge", null);
        HttpResponse<String> r = server.kickOff(ONE.formatted("bob"), "Authorization", auth);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        server.pollUntilDone(r.headers().firstValue("Content-Location").orElseThrow(), "Authorization", auth);
    }

    @Test
    void aPatientScopePurgesOnlyItsOwnPatient() {
        String auth = bearer("patient/kodjin/$patient-purge", "carol");
        HttpResponse<String> other = server.kickOff(ONE.formatted("dave"), "Authorization", auth);
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(issue(other).getCode().toCode()).isEqualTo("forbidden");
        assertThat(other.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("insufficient_scope");
        HttpResponse<String> otherInstance = server.send("POST", "Patient/dave/$purge", null, "Prefer",
                "respond-async", "Authorization", auth);
        assertThat(otherInstance.statusCode()).isEqualTo(403);

        HttpResponse<String> own = server.send("POST", "Patient/carol/$purge", null, "Prefer", "respond-async",
                "Authorization", auth);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(202);
        // another patient's token cannot see the job
        HttpResponse<String> peek = server.send("GET", own.headers().firstValue("Content-Location").orElseThrow(),
                null, "Authorization", bearer("patient/kodjin/$patient-purge", "erin"));
        assertThat(peek.statusCode()).isEqualTo(404);
    }

    @Test
    void aBulkDeleteNeedsDeleteAndSearchRightsOnItsType() throws Exception {
        String readOnly = bearer("system/*.rs", null);
        String observationsOnly = bearer("system/Observation.ds", null);
        String patientScope = bearer("patient/*.cruds", "carol");

        assertThat(server.send("DELETE", "Observation/$bulk-delete?_id=none", null, "Prefer", "respond-async")
                .statusCode()).isEqualTo(401);
        HttpResponse<String> denied = server.send("DELETE", "Observation/$bulk-delete?_id=none", null,
                "Prefer", "respond-async", "Authorization", readOnly);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("insufficient_scope");
        assertThat(server.send("DELETE", "$bulk-delete?_id=none", null, "Prefer", "respond-async",
                "Authorization", observationsOnly).statusCode()).as("system level needs *").isEqualTo(403);
        assertThat(server.send("DELETE", "Observation/$bulk-delete?_id=none", null, "Prefer", "respond-async",
                "Authorization", patientScope).statusCode()).isEqualTo(403);

        HttpResponse<String> accepted = server.send("DELETE", "Observation/$bulk-delete?_id=none", null,
                "Prefer", "respond-async", "Authorization", observationsOnly);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String status = accepted.headers().firstValue("Content-Location").orElseThrow();
        assertThat(server.send("GET", status, null).statusCode()).isEqualTo(401);
        assertThat(server.send("GET", status, null, "Authorization", readOnly).statusCode()).isEqualTo(403);
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        HttpResponse<String> done;
        do {
            Thread.sleep(20);
            done = server.send("GET", status, null, "Authorization", observationsOnly);
        } while (done.statusCode() == 202 && System.nanoTime() < deadline);
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
    }

    @Test
    void noTokenIs401WithABearerChallenge() {
        HttpResponse<String> r = server.kickOff(ONE.formatted("bob"));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer");
        assertThat(issue(r).getCode().toCode()).isEqualTo("login");
        assertThat(server.send("GET", "Patient/alice", null).statusCode()).isEqualTo(401);
    }

    @Test
    void aBadSignatureIs401InvalidToken() {
        String forged = jwt("another-secret-that-is-long-enough-xyz", "{\"scope\":\"system/kodjin/$patient-purge\"}");
        HttpResponse<String> r = server.kickOff(ONE.formatted("bob"), "Authorization", "Bearer " + forged);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");
        issue(r);
    }

    @Test
    void anExpiredTokenIs401InvalidToken() {
        long past = Instant.now().getEpochSecond() - 3600;
        String expired = jwt(SECRET, "{\"scope\":\"system/kodjin/$patient-purge\",\"exp\":" + past + "}");
        HttpResponse<String> r = server.kickOff(ONE.formatted("bob"), "Authorization", "Bearer " + expired);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("invalid_token");
        assertThat(issue(r).getDiagnostics()).contains("expired");
    }

    @Test
    void algNoneAndGarbageTokensAre401() {
        String none = jwt(SECRET, "{\"alg\":\"none\"}", "{\"scope\":\"system/kodjin/$patient-purge\"}");
        for (String token : new String[] {none, "garbage", "a.b.c", "", "Bearer x"}) {
            HttpResponse<String> r = server.send("GET", "Patient/alice", null, "Authorization", "Bearer " + token);
            assertThat(r.statusCode()).as(token).isEqualTo(401);
        }
        assertThat(server.send("GET", "Patient/alice", null, "Authorization", "Basic dXNlcjpwdw==").statusCode())
                .isEqualTo(401);
    }

    @Test
    void aTokenWithoutThePurgeScopeIs403() {
        HttpResponse<String> r = server.kickOff(ONE.formatted("bob"), "Authorization", bearer("system/*.r", null));
        assertThat(r.statusCode()).isEqualTo(403);
    }

    @Test
    void theRestApiNeedsMatchingScopes() {
        assertThat(server.send("GET", "Patient/alice", null, "Authorization", bearer("system/Patient.r", null))
                .statusCode()).isEqualTo(200);
        assertThat(server.send("GET", "Patient/alice", null, "Authorization", bearer("user/Patient.read", null))
                .statusCode()).isEqualTo(200);
        HttpResponse<String> wrongType = server.send("GET", "Patient/alice", null, "Authorization",
                bearer("system/Observation.r", null));
        assertThat(wrongType.statusCode()).isEqualTo(403);
        assertThat(server.send("DELETE", "Patient/alice", null, "Authorization", bearer("system/Patient.rs", null))
                .statusCode()).isEqualTo(403);
        assertThat(server.send("GET", "Patient/alice", null, "Authorization", bearer("patient/Patient.r", "alice"))
                .statusCode()).isEqualTo(403);
        assertThat(server.send("GET", "metadata", null).statusCode()).isEqualTo(200);
    }
}
