package com.fhirpurge.server;

import static com.fhirpurge.server.TestServer.SECRET;
import static com.fhirpurge.server.TestServer.jwt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fhirpurge.core.http.Caller;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

/** HS256 verification: signature, algorithm, times and claims. */
class JwtVerifierTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private final JwtVerifier verifier = new JwtVerifier(SECRET, InstantSource.fixed(NOW));

    @Test
    void acceptsAValidTokenAndReadsItsClaims() {
        Caller c = verifier.verify(jwt(SECRET, "{\"sub\":\"app\",\"scope\":\"patient/kodjin/$patient-purge  "
                + "system/*.r\",\"patient\":\"p1\",\"exp\":" + (NOW.getEpochSecond() + 60) + ",\"nbf\":"
                + (NOW.getEpochSecond() - 60) + "}"));
        assertThat(c.subject()).isEqualTo("app");
        assertThat(c.scopes()).containsExactlyInAnyOrder("patient/kodjin/$patient-purge", "system/*.r");
        assertThat(c.patientContext()).isEqualTo("p1");
    }

    @Test
    void refusesTamperingAndOtherAlgorithms() {
        String good = jwt(SECRET, "{\"scope\":\"a\",\"exp\":" + (NOW.getEpochSecond() + 60) + "}");
        String[] parts = good.split("\\.");
        String tampered = parts[0] + "." + jwt(SECRET, "{\"scope\":\"b\"}").split("\\.")[1] + "." + parts[2];
        assertThatThrownBy(() -> verifier.verify(tampered)).hasMessageContaining("signature");
        assertThatThrownBy(() -> verifier.verify(jwt("x".repeat(40), "{}"))).hasMessageContaining("signature");
        assertThatThrownBy(() -> verifier.verify(jwt(SECRET, "{\"alg\":\"none\"}", "{}")))
                .hasMessageContaining("HS256");
        assertThatThrownBy(() -> verifier.verify(jwt(SECRET, "{\"alg\":\"HS512\"}", "{}")))
                .hasMessageContaining("HS256");
        assertThatThrownBy(() -> verifier.verify(parts[0] + "." + parts[1] + "."))
                .isInstanceOf(JwtVerifier.InvalidTokenException.class);
        assertThatThrownBy(() -> verifier.verify(jwt(SECRET, "{\"alg\":\"HS256\",\"alg\":\"none\"}", "{}")))
                .isInstanceOf(JwtVerifier.InvalidTokenException.class);
    }

    @Test
    void checksExpAndNbf() {
        assertThatThrownBy(() -> verifier.verify(jwt(SECRET, "{\"exp\":" + (NOW.getEpochSecond() - 31) + "}")))
                .hasMessageContaining("expired");
        assertThatThrownBy(() -> verifier.verify(jwt(SECRET, "{\"nbf\":" + (NOW.getEpochSecond() + 31) + ",\"exp\":"
                + (NOW.getEpochSecond() + 600) + "}"))).hasMessageContaining("not valid yet");
        assertThatThrownBy(() -> verifier.verify(jwt(SECRET, "{\"scope\":\"system/kodjin/$patient-purge\"}")))
                .hasMessageContaining("no exp");
        assertThatThrownBy(() -> verifier.verify(jwt(SECRET, "{\"exp\":\"tomorrow\"}")))
                .hasMessageContaining("NumericDate");
        assertThat(verifier.verify(jwt(SECRET, "{\"exp\":" + (NOW.getEpochSecond() - 10) + "}")).scopes())
                .isEmpty();
    }

    @Test
    void refusesMalformedTokens() {
        for (String token : new String[] {"", "a", "a.b", "a.b.c", "!!.!!.!!", "e30.e30.e30.e30", "x".repeat(9000)}) {
            assertThatThrownBy(() -> verifier.verify(token)).as(token)
                    .isInstanceOf(JwtVerifier.InvalidTokenException.class);
        }
        assertThatThrownBy(() -> verifier.verify(jwt(SECRET, "[]"))).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> verifier.verify(jwt(SECRET, "{\"scope\":42,\"exp\":" + (NOW.getEpochSecond() + 60)
                + "}"))).hasMessageContaining("string");
    }
}
