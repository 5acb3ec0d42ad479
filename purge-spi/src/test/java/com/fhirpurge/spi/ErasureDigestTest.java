package com.fhirpurge.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErasureDigestTest {

    /** The definition, written out independently: the sum of the SHA-256 numbers modulo 2^256, 64 hex digits. */
    static String byDefinition(List<String> references) throws Exception {
        BigInteger sum = BigInteger.ZERO;
        for (String r : references) {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(r.getBytes(StandardCharsets.UTF_8));
            sum = sum.add(new BigInteger(1, h));
        }
        return String.format("%064x", sum.mod(BigInteger.TWO.pow(256)));
    }

    @Test
    void isTheSumOfTheSha256OfEachReferenceWhateverTheOrderAndHowEverItIsSplit() throws Exception {
        List<ResourceKey> keys = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            keys.add(ResourceKey.of(i % 3 == 0 ? "Encounter" : "Observation", "r-" + i));
        }
        String expected = byDefinition(keys.stream().map(ResourceKey::toString).toList());

        assertThat(ErasureDigest.of(keys)).isEqualTo(expected).hasSize(64);
        List<ResourceKey> shuffled = new ArrayList<>(keys);
        Collections.shuffle(shuffled, new java.util.Random(7));
        String split = ErasureDigest.add(ErasureDigest.add(null, shuffled.subList(0, 111)),
                shuffled.subList(111, 300));
        assertThat(split).isEqualTo(expected);
        assertThat(ErasureDigest.of(keys.subList(0, 299))).isNotEqualTo(expected);
        assertThat(ErasureDigest.of(List.of())).isEqualTo(ErasureDigest.EMPTY);
        assertThat(ErasureDigest.hashOf(ResourceKey.of("Patient", "p1")))
                .isEqualTo(String.format("%064x", new BigInteger(1, MessageDigest.getInstance("SHA-256")
                        .digest("Patient/p1".getBytes(StandardCharsets.UTF_8)))));
    }

    @Test
    void aProgressCarriesOnlyWellFormedDigests() {
        String d = ErasureDigest.of(List.of(ResourceKey.of("Patient", "p1")));
        assertThat(new TaskProgress(1L, Map.of("Patient", 1L), null, 1, List.of(), d).erasedDigest()).isEqualTo(d);
        assertThat(new TaskProgress(1L, Map.of(), null, 1, List.of()).erasedDigest()).isNull();
        assertThatThrownBy(() -> new TaskProgress(1L, Map.of(), null, 1, List.of(), "ABC"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
