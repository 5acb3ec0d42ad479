package com.fhirpurge.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * One stored version of a resource.
 *
 * @param key         the resource
 * @param version     the version number, 1 for the first version, increasing by one per write or soft delete
 * @param lastUpdated when this version was written
 * @param deleted     {@code true} for the tombstone version a soft delete adds
 * @param json        the FHIR JSON of this version; {@code null} for a tombstone
 */
public record StoredResource(ResourceKey key, long version, Instant lastUpdated, boolean deleted, String json) {

    /**
     * Validates.
     *
     * @param key see {@link #key()}
     * @param version see {@link #version()}
     * @param lastUpdated see {@link #lastUpdated()}
     * @param deleted see {@link #deleted()}
     * @param json see {@link #json()}
     */
    public StoredResource {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lastUpdated, "lastUpdated");
        if (version < 1) {
            throw new IllegalArgumentException("Version must be at least 1, was " + version + " for " + key);
        }
        if (!deleted) {
            Objects.requireNonNull(json, "json of a live version");
        }
    }
}
