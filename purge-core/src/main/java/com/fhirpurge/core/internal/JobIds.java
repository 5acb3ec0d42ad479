package com.fhirpurge.core.internal;

import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.UUID;

/**
 * Issues job ids as version 7 UUIDs: 48 bits of Unix milliseconds, then random bits. Their text sorts in
 * creation order, so listing jobs by id lists them oldest first, and they are unguessable.
 */
public final class JobIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private JobIds() {
    }

    /**
     * A new id.
     *
     * @param clock the time source
     * @return a UUIDv7 string, lower case
     */
    public static String next(InstantSource clock) {
        long millis = clock.millis();
        long rand = RANDOM.nextLong();
        long msb = (millis << 16) | 0x7000L | ((rand >>> 52) & 0x0FFFL);
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
