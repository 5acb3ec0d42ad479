package com.fhirpurge.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.demo.SeedExamples;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;

/** A real server on a free loopback port with its H2 database in a temporary directory, and HTTP helpers. */
final class TestServer implements AutoCloseable {

    static final FhirContext CTX = FhirContext.forR4Cached();
    static final String SECRET = "test-secret-that-is-long-enough-0123456789";
    /** The kick-off body of the specification's {@code $bulk-purge} example, verbatim. */
    static final String SEED_KICK_OFF = SeedExamples.BULK_PURGE_KICK_OFF;
    static final List<String> SEED_PATIENTS = List.of("4a426db7-4fc4-4b19-8715-22a75cb67e03",
            "5aece5b6-3f64-4efd-9124-5236c8079559", "8a1915e6-32a6-4a33-9a10-78921cbf0f2e");

    final PurgeServer server;
    final Path dataDir;
    final String output;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private TestServer(PurgeServer server, Path dataDir, String output) {
        this.server = server;
        this.dataDir = dataDir;
        this.output = output;
    }

    static TestServer start(Path dataDir, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        args.addAll(List.of(extraArgs));
        return startWith(dataDir, args.toArray(String[]::new));
    }

    /** A server on MongoDB, e.g. an in-process wire-protocol server ({@link #snapshot()} does not apply). */
    static TestServer startOnMongo(String mongoUri, String database, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--mongo-uri", mongoUri, "--mongo-database", database));
        args.addAll(List.of(extraArgs));
        return startWith(null, args.toArray(String[]::new));
    }

    private static TestServer startWith(Path dataDir, String... storageAndExtraArgs) {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--max-body-bytes", "65536"));
        args.addAll(List.of(storageAndExtraArgs));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PurgeServer server = PurgeServer.start(ServerOptions.parse(args.toArray(String[]::new)),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        return new TestServer(server, dataDir, out.toString(StandardCharsets.UTF_8));
    }

    String base() {
        return server.baseUrl();
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base() + "/" + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return http.send(b.build(), BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> kickOff(String body, String... headers) {
        List<String> h = new ArrayList<>(List.of("Prefer", "respond-async", "Content-Type", "application/fhir+json"));
        h.addAll(List.of(headers));
        return send("POST", "Patient/$bulk-purge", body, h.toArray(String[]::new));
    }

    /** Kicks off a {@code $bulk-purge}, checks the 202 and returns its status URL. */
    String bulkPurgeAccepted(String body) {
        HttpResponse<String> accepted = kickOff(body);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String statusUrl = accepted.headers().firstValue("Content-Location").orElseThrow();
        assertThat(statusUrl).startsWith(base() + "/Patient-bulk-purge/");
        return statusUrl;
    }

    /** Polls a status URL until every patient is completed, error or cancelled. */
    Parameters pollUntilDone(String statusUrl, String... headers) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            HttpResponse<String> r = send("GET", statusUrl, null, headers);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            Parameters status = CTX.newJsonParser().parseResource(Parameters.class, r.body());
            boolean done = !status.getParameter().isEmpty() && status.getParameter().stream()
                    .map(TestServer::state).allMatch(s -> s.equals("completed") || s.equals("error")
                            || s.equals("cancelled"));
            if (done) {
                assertThat(r.headers().firstValue("X-Progress")).isEmpty();
                return status;
            }
            assertThat(System.nanoTime()).as("purge finished in time").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    static String state(ParametersParameterComponent result) {
        return part(result, "status");
    }

    static String part(ParametersParameterComponent result, String name) {
        return result.getPart().stream().filter(p -> p.getName().equals(name)).findFirst()
                .map(p -> p.getValue().primitiveValue()).orElse(null);
    }

    static OperationOutcome.OperationOutcomeIssueComponent issue(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/fhir+json"));
        return CTX.newJsonParser().parseResource(OperationOutcome.class, r.body()).getIssueFirstRep();
    }

    /** A compact HS256 JWT over the given claims JSON. */
    static String jwt(String secret, String claimsJson) {
        return jwt(secret, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claimsJson);
    }

    static String jwt(String secret, String headerJson, String claimsJson) {
        Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
        String signingInput = enc.encodeToString(headerJson.getBytes(StandardCharsets.UTF_8)) + "."
                + enc.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return signingInput + "." + enc.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends raw bytes on a socket and returns the response's status code, or -1 when the server closed the
     * connection without answering.
     */
    int raw(byte[] request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
                s.shutdownOutput(); // a truncated body ends here instead of keeping the server waiting
            } catch (IOException e) {
                // the server may answer and close before reading everything
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int c;
            try {
                while ((c = in.read()) >= 0 && c != '\n') {
                    line.write(c);
                }
            } catch (java.net.SocketException e) {
                return -1;
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("no answer within 20 s to " + new String(request, 0,
                        Math.min(80, request.length), StandardCharsets.ISO_8859_1), e);
            }
            String status = line.toString(StandardCharsets.ISO_8859_1);
            if (!status.startsWith("HTTP/1.1 ")) {
                return -1;
            }
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    int raw(String head) throws IOException {
        return raw(head.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Every row of the database, as text, in a stable order: compared before and after to prove nothing changed. */
    String snapshot() throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dataDir.toAbsolutePath().normalize()
                .resolve("fhir-purge"))) {
            for (String table : List.of("fp_resource", "fp_resource_history", "fp_reference", "fp_job", "fp_task")) {
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT * FROM \"" + table + "\"")) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        StringBuilder row = new StringBuilder(table).append(':');
                        for (int i = 1; i <= n; i++) {
                            row.append(rs.getString(i)).append('|');
                        }
                        rows.add(row.toString());
                    }
                }
            }
        }
        rows.sort(null);
        return String.join("\n", rows);
    }

    @Override
    public void close() {
        server.close();
    }
}
