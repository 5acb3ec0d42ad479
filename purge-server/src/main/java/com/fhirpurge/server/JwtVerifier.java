package com.fhirpurge.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fhirpurge.core.http.Caller;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies HS256-signed JSON Web Tokens (RFC 7519) and turns them into a {@link Caller}.
 *
 * <p>A token is accepted only when: it has exactly three base64url parts; the header's {@code alg} is
 * {@code HS256} (anything else, {@code none} included, is refused); the HMAC-SHA256 signature over
 * {@code header.payload} matches (compared in constant time); {@code exp} is present (a token without expiry would
 * grant purge rights forever) and in the future, and {@code nbf}, when present, is not, both with {@link #LEEWAY} of
 * clock skew. Claims: {@code scope} (space-separated
 * SMART scopes), optional {@code patient} (the patient context), {@code sub} (the subject). The header and claims
 * are parsed with Jackson (already on HAPI FHIR's dependency tree) with duplicate keys refused.
 *
 * <p>Thread-safe.
 */
public final class JwtVerifier {

    /** Clock skew tolerated on {@code exp} and {@code nbf}. */
    public static final Duration LEEWAY = Duration.ofSeconds(30);
    /** Longest token accepted, in characters. */
    public static final int MAX_TOKEN_LENGTH = 8192;

    private static final String HMAC = "HmacSHA256";

    private final SecretKeySpec key;
    private final InstantSource clock;
    private final ObjectMapper json;

    /**
     * Creates a verifier.
     *
     * @param secret the shared secret (UTF-8 bytes are the HMAC key)
     * @param clock  the time source for {@code exp} and {@code nbf}
     */
    public JwtVerifier(String secret, InstantSource clock) {
        this.key = new SecretKeySpec(Objects.requireNonNull(secret, "secret").getBytes(StandardCharsets.UTF_8), HMAC);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.json = new ObjectMapper();
        this.json.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    /**
     * Verifies a token.
     *
     * @param token the compact JWT (without the {@code Bearer } prefix)
     * @return the caller it identifies
     * @throws InvalidTokenException naming why the token is refused (safe to show to the client)
     */
    public Caller verify(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            throw new InvalidTokenException("The token is empty or too long");
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw new InvalidTokenException("The token is not a signed JWT (three base64url parts)");
        }
        JsonNode header = object(parts[0], "header");
        JsonNode alg = header.get("alg");
        if (alg == null || !alg.isTextual() || !alg.asText().equals("HS256")) {
            throw new InvalidTokenException("The token's alg must be HS256");
        }
        byte[] signature = decode(parts[2], "signature");
        byte[] expected = sign(parts[0] + "." + parts[1]);
        if (!MessageDigest.isEqual(expected, signature)) {
            throw new InvalidTokenException("The token's signature is invalid");
        }
        JsonNode claims = object(parts[1], "claims");
        Instant now = clock.instant();
        Long exp = numericDate(claims, "exp");
        if (exp == null) {
            throw new InvalidTokenException("The token has no exp (expiry) claim");
        }
        if (!now.isBefore(Instant.ofEpochSecond(exp).plus(LEEWAY))) {
            throw new InvalidTokenException("The token has expired");
        }
        Long nbf = numericDate(claims, "nbf");
        if (nbf != null && now.plus(LEEWAY).isBefore(Instant.ofEpochSecond(nbf))) {
            throw new InvalidTokenException("The token is not valid yet");
        }
        Set<String> scopes = new LinkedHashSet<>();
        String scope = text(claims, "scope");
        if (scope != null) {
            for (String s : scope.split(" ")) {
                if (!s.isEmpty()) {
                    scopes.add(s);
                }
            }
        }
        return new Caller(text(claims, "sub"), scopes, text(claims, "patient"));
    }

    private byte[] sign(String signingInput) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private JsonNode object(String part, String what) {
        byte[] bytes = decode(part, what);
        try {
            JsonNode node = json.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new InvalidTokenException("The token's " + what + " is not a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new InvalidTokenException("The token's " + what + " is not valid JSON");
        } catch (java.io.IOException e) {
            throw new InvalidTokenException("The token's " + what + " cannot be read");
        }
    }

    private static byte[] decode(String part, String what) {
        try {
            return Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException("The token's " + what + " is not base64url");
        }
    }

    private static Long numericDate(JsonNode claims, String name) {
        JsonNode n = claims.get(name);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber() || !n.canConvertToLong()) {
            throw new InvalidTokenException("The token's " + name + " is not a NumericDate");
        }
        long seconds = n.asLong();
        if (seconds < 0 || seconds > Instant.MAX.getEpochSecond() / 2) {
            throw new InvalidTokenException("The token's " + name + " is out of range");
        }
        return seconds;
    }

    private static String text(JsonNode claims, String name) {
        JsonNode n = claims.get(name);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new InvalidTokenException("The token's " + name + " claim must be a string");
        }
        return n.asText();
    }

    /** A bearer token was presented and refused: 401 with {@code WWW-Authenticate: Bearer error="invalid_token"}. */
    public static final class InvalidTokenException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param message why the token is refused, without any token content
         */
        public InvalidTokenException(String message) {
            super(message);
        }
    }
}
