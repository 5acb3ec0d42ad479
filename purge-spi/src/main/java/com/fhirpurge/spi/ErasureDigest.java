package com.fhirpurge.spi;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The digest of a set of erased references that an erasure record carries instead of the ids: anyone who holds the
 * list of references (a backup, an export made before the purge) can recompute it and check that exactly those were
 * erased, while the record itself names none of them.
 *
 * <p><b>Definition.</b> For each reference {@code Type/id}, take the SHA-256 of its UTF-8 bytes as an unsigned
 * 256-bit number; the digest is their sum modulo 2<sup>256</sup>, written as 64 lower-case hex digits. Each
 * reference counts once. Being a sum, the digest is the same in whatever order the references are added, so it is
 * that of the sorted set, and the engine keeps it as a 32-byte running value in the task's checkpoint: a purge of any
 * size, resumed after any crash, never holds its references in memory to compute it.
 *
 * <p>Utility class; thread-safe.
 */
public final class ErasureDigest {

    /** The digest of no reference. */
    public static final String EMPTY = "0".repeat(64);

    private static final BigInteger MODULUS = BigInteger.ONE.shiftLeft(256);
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    private ErasureDigest() {
    }

    /**
     * The digest of some references.
     *
     * @param references the references, each once
     * @return the digest
     */
    public static String of(Collection<ResourceKey> references) {
        return add(null, references);
    }

    /**
     * Adds references to a digest.
     *
     * @param digest     a digest, or {@code null} for {@link #EMPTY}
     * @param references references not yet in it, each once
     * @return the digest of both
     */
    public static String add(String digest, Collection<ResourceKey> references) {
        BigInteger sum = digest == null ? BigInteger.ZERO : new BigInteger(digest, 16);
        MessageDigest sha256 = sha256();
        for (ResourceKey k : references) {
            byte[] hash = sha256.digest(k.toString().getBytes(StandardCharsets.UTF_8));
            sum = sum.add(new BigInteger(1, hash));
        }
        String hex = sum.mod(MODULUS).toString(16);
        return "0".repeat(64 - hex.length()) + hex;
    }

    /**
     * Whether a string is written as a digest.
     *
     * @param value the string
     * @return {@code true} for 64 lower-case hex digits
     */
    public static boolean isDigest(String value) {
        return value != null && HEX64.matcher(value).matches();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }

    /**
     * The SHA-256 of one reference, for those who recompute a digest by hand.
     *
     * @param reference the reference
     * @return its SHA-256 as 64 hex digits
     */
    public static String hashOf(ResourceKey reference) {
        return HexFormat.of().formatHex(sha256().digest(reference.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
