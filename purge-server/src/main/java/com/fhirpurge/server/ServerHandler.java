package com.fhirpurge.server;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.Issue;
import com.fhirpurge.core.fhir.OperationOutcomes;
import com.fhirpurge.core.http.Caller;
import com.fhirpurge.core.http.HttpRequest;
import com.fhirpurge.core.http.HttpResponse;
import com.fhirpurge.core.http.PurgeHttpBinding;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDK {@code HttpServer} handler: turns an exchange into an {@link HttpRequest}, sends the paths
 * {@link PurgeHttpBinding#serves(String) the binding serves} to it and everything else to the {@link FhirRestApi},
 * and writes the {@link HttpResponse} back.
 *
 * <p>Before either sees the request: the path must lie under the base path; it is split into segments and each is
 * percent-decoded strictly as UTF-8, so an encoded slash ({@code %2F}) stays inside its segment and is refused, as are
 * {@code .}/{@code ..} segments, empty segments and control characters (400); a bearer token, when auth is on, is
 * verified (401 {@code invalid_token} when refused); the body is read with a hard limit (413 beyond it: at most the
 * limit + 1 byte is ever buffered, the rest is discarded) and must be valid UTF-8 (400).
 *
 * <p>Thread-safe; one instance serves every exchange.
 */
public final class ServerHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ServerHandler.class);
    private static final String FHIR_JSON = "application/fhir+json;charset=utf-8";
    /** Beyond the limit, at most this much more is read and discarded so the client sees the 413. */
    private static final long DRAIN_LIMIT = 64L << 20;
    private static final Caller ANONYMOUS = new Caller("anonymous", Set.of(), null);

    private final String basePath;
    private final PurgeHttpBinding binding;
    private final FhirRestApi rest;
    private final JwtVerifier verifier;
    private final int maxBodyBytes;
    private final OperationOutcomes outcomes;
    private final Consumer<String> jobSubmitted;

    /**
     * Creates the handler.
     *
     * @param basePath     the path of the FHIR base URL, e.g. {@code /fhir}, or empty for the root
     * @param binding      the purge endpoints
     * @param rest         the FHIR REST API
     * @param verifier     verifies bearer tokens, or {@code null} when auth is off (every caller is allowed)
     * @param maxBodyBytes the largest body accepted
     * @param ctx          an R4 context
     * @param jobSubmitted told the id of every job a kick-off creates
     */
    public ServerHandler(String basePath, PurgeHttpBinding binding, FhirRestApi rest, JwtVerifier verifier,
                         int maxBodyBytes, FhirContext ctx, Consumer<String> jobSubmitted) {
        this.basePath = Objects.requireNonNull(basePath, "basePath");
        this.binding = Objects.requireNonNull(binding, "binding");
        this.rest = Objects.requireNonNull(rest, "rest");
        this.verifier = verifier;
        this.maxBodyBytes = maxBodyBytes;
        this.outcomes = new OperationOutcomes(ctx);
        this.jobSubmitted = Objects.requireNonNull(jobSubmitted, "jobSubmitted");
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            HttpResponse response;
            try {
                response = respond(exchange);
            } catch (RuntimeException e) {
                LOG.error("{} {} failed", exchange.getRequestMethod(), shorten(exchange.getRequestURI()), e);
                response = error(500, "exception", "Internal error");
            }
            send(exchange, response);
        }
    }

    private HttpResponse respond(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        String rawPath = exchange.getRequestURI().getRawPath();
        if (rawPath == null || !(rawPath.equals(basePath) || rawPath.startsWith(basePath + "/"))) {
            return error(404, "not-found", "Not a FHIR path; the FHIR base is '" + basePath + "'");
        }
        String path;
        Map<String, List<String>> query;
        try {
            path = decodePath(rawPath.substring(basePath.length()));
            query = decodeQuery(exchange.getRequestURI().getRawQuery());
        } catch (IllegalArgumentException e) {
            return error(400, "invalid", e.getMessage());
        }
        Caller caller = ANONYMOUS;
        if (verifier != null) {
            caller = null;
            List<String> authorization = exchange.getRequestHeaders().get("Authorization");
            if (authorization != null && !authorization.isEmpty()) {
                try {
                    caller = verifier.verify(bearerToken(authorization));
                } catch (JwtVerifier.InvalidTokenException e) {
                    return invalidToken(e.getMessage());
                }
            }
        }
        String body;
        try {
            body = readBody(exchange);
        } catch (BodyTooLarge e) {
            return error(413, "too-long", "The request body exceeds " + maxBodyBytes + " bytes");
        } catch (CharacterCodingException e) {
            return error(400, "structure", "The request body is not valid UTF-8");
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, v == null ? List.of() : v));
        HttpRequest request = new HttpRequest(method, path, query, headers, body, caller);
        if (binding.serves(path)) {
            HttpResponse response = binding.handle(request);
            String location = response.headers().get("Content-Location");
            if (response.status() == 202 && location != null) {
                jobSubmitted.accept(location.substring(location.lastIndexOf('/') + 1));
            }
            return response;
        }
        return rest.handle(request);
    }

    private static String bearerToken(List<String> authorization) {
        if (authorization.size() != 1) {
            throw new JwtVerifier.InvalidTokenException("Send exactly one Authorization header");
        }
        String value = authorization.get(0).strip();
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new JwtVerifier.InvalidTokenException("The Authorization scheme must be Bearer");
        }
        return value.substring(7).strip();
    }

    /**
     * Splits a raw path below the base into segments, percent-decodes each, and joins them with {@code /}.
     *
     * @throws IllegalArgumentException for bad encoding, an encoded slash, dot or empty segments, control characters
     */
    static String decodePath(String raw) {
        String p = raw.startsWith("/") ? raw.substring(1) : raw;
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty()) {
            return "";
        }
        List<String> segments = new ArrayList<>();
        for (String rawSegment : p.split("/", -1)) {
            String s = percentDecode(rawSegment, false);
            if (s.isEmpty()) {
                throw new IllegalArgumentException("The path has an empty segment");
            }
            if (s.equals(".") || s.equals("..")) {
                throw new IllegalArgumentException("The path has a '" + s + "' segment");
            }
            if (s.indexOf('/') >= 0 || s.indexOf('\\') >= 0) {
                throw new IllegalArgumentException("A path segment holds an encoded slash");
            }
            segments.add(s);
        }
        return String.join("/", segments);
    }

    static Map<String, List<String>> decodeQuery(String raw) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = percentDecode(eq < 0 ? pair : pair.substring(0, eq), true);
            String value = eq < 0 ? "" : percentDecode(pair.substring(eq + 1), true);
            query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return query;
    }

    /** Strict percent-decoding as UTF-8; control characters refused. */
    static String percentDecode(String s, boolean plusIsSpace) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException("Bad percent-encoding in the URL");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("Bad percent-encoding in the URL");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
            } else if (c > 0x7e) {
                throw new IllegalArgumentException("Raw non-ASCII characters in the URL; percent-encode them");
            } else {
                bytes.write(c);
            }
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("The URL is not valid UTF-8 after percent-decoding");
        }
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("The URL holds a control character");
            }
        }
        return decoded;
    }

    /** Reads at most the limit + 1 byte; beyond the limit the rest is discarded, never buffered. */
    private String readBody(HttpExchange exchange) throws IOException, BodyTooLarge, CharacterCodingException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        InputStream in = exchange.getRequestBody();
        if (declared != null) {
            try {
                if (Long.parseLong(declared.strip()) > maxBodyBytes) {
                    drain(in);
                    throw new BodyTooLarge();
                }
            } catch (NumberFormatException e) {
                // the JDK server refuses such requests itself; read by the limit below regardless
            }
        }
        byte[] buffer = new byte[Math.min(maxBodyBytes + 1, 64 * 1024)];
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int n;
        while ((n = in.read(buffer, 0, Math.min(buffer.length, maxBodyBytes + 1 - body.size()))) > 0) {
            body.write(buffer, 0, n);
            if (body.size() > maxBodyBytes) {
                drain(in);
                throw new BodyTooLarge();
            }
        }
        CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body.toByteArray()));
        return chars.toString();
    }

    private static void drain(InputStream in) throws IOException {
        byte[] scrap = new byte[64 * 1024];
        long total = 0;
        int n;
        while (total < DRAIN_LIMIT && (n = in.read(scrap)) > 0) {
            total += n;
        }
    }

    private void send(HttpExchange exchange, HttpResponse response) throws IOException {
        response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
        boolean noBody = body.length == 0 || response.status() == 204 || response.status() == 304
                || exchange.getRequestMethod().equalsIgnoreCase("HEAD");
        exchange.sendResponseHeaders(response.status(), noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private HttpResponse invalidToken(String reason) {
        HttpResponse r = error(401, "login", "Invalid bearer token: " + reason);
        Map<String, String> headers = new LinkedHashMap<>(r.headers());
        headers.put("WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\"" + reason + "\"");
        return new HttpResponse(401, headers, r.body());
    }

    private HttpResponse error(int status, String code, String diagnostics) {
        return new HttpResponse(status, Map.of("Content-Type", FHIR_JSON),
                outcomes.render(List.of(Issue.error(code, diagnostics, null))));
    }

    private static String shorten(Object uri) {
        return FhirRestApi.shorten(String.valueOf(uri));
    }

    /** The body is over the limit. */
    private static final class BodyTooLarge extends Exception {
        private static final long serialVersionUID = 1L;

        BodyTooLarge() {
            super(null, null, false, false);
        }
    }
}
