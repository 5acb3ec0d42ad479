package com.fhirpurge.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corpus of malformed requests, over the HTTP client and raw sockets: none may yield a 500, and the database
 * (every row of every table, jobs included) must be exactly as before.
 */
class MalformedInputTest {

    @TempDir
    static Path dataDir;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(dataDir);
        HttpResponse<String> put = server.send("PUT", "Patient/p1", "{\"resourceType\":\"Patient\",\"id\":\"p1\"}",
                "Content-Type", "application/fhir+json");
        assertThat(put.statusCode()).isEqualTo(201);
        HttpResponse<String> obs = server.send("PUT", "Observation/o1", """
                {"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},
                 "subject":{"reference":"Patient/p1"}}""", "Content-Type", "application/fhir+json");
        assertThat(obs.statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static final String[] BODIES = {
        "", " ", "{", "{\"resourceType\":\"Parameters\",", "null", "[]", "42", "\"Parameters\"",
        "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patientId\",\"valueString\":\"../../etc\"}]}",
        "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patientId\",\"valueString\":\"p\\u0000\"}]}",
        "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patientId\",\"valueString\":\"\u00e9\u4e2d\"}]}",
        "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patientId\",\"valueInteger\":1}]}",
        "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patientId\",\"valueString\":\"" + "a".repeat(65)
                + "\"}]}",
        "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"gender\":\"nonsense\"}",
        "{\"resourceType\":\"Bundle\",\"type\":\"document\"}",
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"request\":{\"method\":\"DELETE\","
                + "\"url\":\"Patient/p1\"}}]}",
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":{\"resourceType\":"
                + "\"Patient\"},\"request\":{\"method\":\"PUT\",\"url\":\"Patient/../p1\"}}]}",
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":{\"resourceType\":"
                + "\"Patient\",\"id\":\"p1\",\"birthDate\":\"not-a-date\"},\"request\":{\"method\":\"PUT\","
                + "\"url\":\"Patient/p1\"}}]}",
        "[".repeat(5000) + "]".repeat(5000),
        "{\"a\":".repeat(3000) + "1" + "}".repeat(3000),
        "{\"resourceType\":\"Nope\"}", "\u0000\u0000\u0000", "\ufeff{\"resourceType\":\"Parameters\"}",
    };

    private static final String[] PATHS = {
        "Patient/%2e%2e/$purge", "Patient/..%2F..%2Fetc/$purge", "Patient/%2E/$purge", "Patient/a%00b/$purge",
        "Patient/%C3%A9/$purge", "Patient/%FF%FE/$purge", "Patient/%zz/$purge", "Patient/%/$purge",
        "Patient//$purge", "Patient/" + "a".repeat(5000) + "/$purge", "Patient/p1%2F..%2FObservation%2Fo1",
        "%2e%2e/%2e%2e/etc/passwd", "Patient/p1/_history/abc", "Patient/p1/_history/99999999999999999999",
        "Patient/p1?_format=xml&%zz", "Patient-bulk-purge/%2e%2e", "Patient-bulk-purge/'%20OR%201=1",
        "Patient-bulk-purge/" + "x".repeat(3000), "$bulk-purge", "Patient/$bulk-purge/extra", "%E2%80%AE",
        "Patient/p1;jsessionid=1", "Patient/p1%5C..%5Cetc", "metadata/%2e%2e", "Observation/o1/_history/%2d1",
        // bulk delete: every one of these must be refused before a job exists
        "$bulk-delete?_lastUpdated=%zz", "Observation/$bulk-delete?date=2024-02-30",
        "Observation/$bulk-delete?subject:Patient.organization.name=x", "Observation/$bulk-delete?_hardDelete=maybe",
        "Spaceship/$bulk-delete", "%2e%2e/$bulk-delete", "$bulkDelete/extra", "Observation/$bulk-delete?code:=x",
        "Observation/$bulk-delete?code:text=x%00y", "$bulk-delete?excludedResourceTypes=Patient,%E2%80%AE",
        "Observation/$bulk-delete?_id=" + "a".repeat(5000), "$bulk-delete?name=x", "_operations/bulk-delete/%2e%2e",
        "_operations/bulk-delete/'%20OR%201=1", "_operations/bulk-delete/" + "x".repeat(3000),
    };

    private static final String[] CONTENT_TYPES = {
        "application/xml", "text/plain", "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded", "application/jsonx", "*/*", "\u00e9/\u00e9",
    };

    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"};

    @Test
    void noMalformedRequestYieldsA500OrChangesData() throws Exception {
        String before = server.snapshot();
        assertThat(before).contains("fp_resource:").contains("fp_reference:");
        List<String> failures = new ArrayList<>();
        // (Patient/[id]/$purge takes no body: the binding ignores one, so it is not in this loop)
        for (String path : new String[] {"Patient/$bulk-purge", "Patient/p1", "Patient", ""}) {
            for (String body : BODIES) {
                for (String contentType : new String[] {"application/fhir+json", "application/json"}) {
                    check(failures, "POST", path, body, "Prefer", "respond-async", "Content-Type", contentType);
                    check(failures, "PUT", path, body, "Content-Type", contentType);
                }
            }
        }
        for (String path : PATHS) {
            for (String method : METHODS) {
                check(failures, method, path, "{}", "Prefer", "respond-async", "Content-Type", "application/json");
            }
        }
        for (String contentType : CONTENT_TYPES) {
            check(failures, "POST", "Patient/$bulk-purge", TestServer.SEED_KICK_OFF, "Prefer", "respond-async",
                    "Content-Type", contentType);
            check(failures, "PUT", "Patient/p1", "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"active\":true}",
                    "Content-Type", contentType);
        }
        // absurd headers
        check(failures, "POST", "Patient/p1/$purge", null, "Prefer", "x".repeat(13_000));
        check(failures, "POST", "Patient/p1/$purge", null, "Prefer", "respond-sync, handling=strict, \u00e9");
        check(failures, "GET", "Patient/p1", null, "Accept", "x".repeat(30_000));
        check(failures, "GET", "Patient/p1", null, "Authorization", "Bearer " + "a".repeat(20_000));
        check(failures, "POST", "Patient/$bulk-purge", "{", "Prefer", "respond-async", "Content-Type",
                "application/fhir+json; charset=" + "x".repeat(5000));
        // a huge body, over the 64 KiB limit of this server
        HttpResponse<String> huge = server.send("POST", "", "{\"resourceType\":\"Bundle\",\"x\":\""
                + "a".repeat(5_000_000) + "\"}", "Content-Type", "application/fhir+json");
        assertThat(huge.statusCode()).isEqualTo(413);

        for (byte[] raw : rawRequests()) {
            int status = server.raw(raw);
            if (status >= 500) {
                failures.add(status + " for raw " + new String(raw, 0, Math.min(raw.length, 120),
                        StandardCharsets.ISO_8859_1));
            }
        }
        assertThat(failures).isEmpty();
        assertThat(server.snapshot()).isEqualTo(before);
        assertThat(server.send("GET", "Patient/p1", null).statusCode()).isEqualTo(200);
    }

    private static List<byte[]> rawRequests() {
        List<byte[]> out = new ArrayList<>();
        String[] targets = {"/fhir/Patient/..%2F..%2Fetc/$purge", "/fhir/Patient/%2e%2e/$purge",
            "/fhir/Patient/../../etc/$purge", "/fhir/../fhir/Patient/p1/$purge", "/fhir/Patient/p\u00e9/$purge",
            "/fhir/Patient/p%00/$purge", "/fhir/Patient/p\\..\\x/$purge", "*", "http://evil/fhir/Patient/p1",
            "/fhir/Patient/p%231/$purge", "/fhir/Patient/" + "%41".repeat(4000) + "/$purge"};
        for (String target : targets) {
            out.add(("POST " + target + " HTTP/1.1\r\nHost: x\r\nPrefer: respond-async\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        }
        out.add("POST /fhir/Patient/p1/$purge HTTP/1.1\r\nHost: x\r\nPrefer: respond-async\r\nContent-Length: -5\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        out.add("POST /fhir/Patient/p1/$purge HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        out.add(("POST /fhir/Patient/$bulk-purge HTTP/1.1\r\nHost: x\r\nPrefer: respond-async\r\n"
                + "Content-Length: 99999999999\r\nConnection: close\r\n\r\n{").getBytes(StandardCharsets.ISO_8859_1));
        out.add("GET /fhir/Patient/p1 HTTP/1.1\r\nHost: x\r\nX-Null: a\u0000b\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        out.add("GARBAGE\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.add("GET /fhir/Patient/p1 HTTP/9.9\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        ByteArrayOutputStream chunked = new ByteArrayOutputStream();
        chunked.writeBytes(("POST /fhir/Patient/$bulk-purge HTTP/1.1\r\nHost: x\r\nPrefer: respond-async\r\n"
                + "Transfer-Encoding: chunked\r\nContent-Type: application/fhir+json\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < 40; i++) {
            chunked.writeBytes(("2000\r\n" + "b".repeat(0x2000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        chunked.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.add(chunked.toByteArray());
        out.add(("POST /fhir/Patient/$bulk-purge HTTP/1.1\r\nHost: x\r\nPrefer: respond-async\r\n"
                + "Content-Type: application/fhir+json\r\nContent-Length: 6\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        byte[] invalidUtf8 = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        ByteArrayOutputStream bad = new ByteArrayOutputStream();
        bad.writeBytes(("POST /fhir/Patient/$bulk-purge HTTP/1.1\r\nHost: x\r\nPrefer: respond-async\r\n"
                + "Content-Type: application/fhir+json\r\nContent-Length: 6\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        bad.writeBytes(invalidUtf8);
        out.add(bad.toByteArray());
        return out;
    }

    private static void check(List<String> failures, String method, String path, String body, String... headers) {
        HttpResponse<String> r;
        try {
            r = server.send(method, path, body, headers);
        } catch (IllegalArgumentException e) {
            return; // the client itself refuses to send it (e.g. an illegal header value)
        } catch (java.io.UncheckedIOException e) {
            return; // the server closed the connection: not a 500
        }
        if (r.statusCode() >= 500) {
            failures.add(r.statusCode() + " for " + method + " " + FhirRestApi.shorten(path) + " body "
                    + FhirRestApi.shorten(body) + ": " + r.body());
        }
        if (r.statusCode() == 202 || r.statusCode() == 201) {
            failures.add(r.statusCode() + " (accepted malformed input) for " + method + " "
                    + FhirRestApi.shorten(path) + " body " + FhirRestApi.shorten(body));
        }
    }
}
