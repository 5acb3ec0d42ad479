package com.fhirpurge.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A new version of one resource, as the core hands it to a {@link ResourceWriter}: the FHIR JSON and the
 * reference index rows extracted from it (the store does no FHIR parsing of its own).
 *
 * @param key         the resource
 * @param json        the resource's FHIR JSON
 * @param lastUpdated the version's {@code meta.lastUpdated}
 * @param references  the reference index rows of this version; every row's source is {@code key}
 * @param searchIndex the search index entries of this version (string, token and date parameters); stores that
 *                    answer searches keep them, others may ignore them
 */
public record ResourceWrite(ResourceKey key, String json, Instant lastUpdated, List<IndexedReference> references,
                            List<IndexEntry> searchIndex) {

    /**
     * Validates and copies.
     *
     * @param key         see {@link #key()}
     * @param json        see {@link #json()}
     * @param lastUpdated see {@link #lastUpdated()}
     * @param references  see {@link #references()}
     * @param searchIndex see {@link #searchIndex()}
     * @throws IllegalArgumentException when a reference row's source is not {@code key}
     */
    public ResourceWrite {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(lastUpdated, "lastUpdated");
        references = List.copyOf(references);
        searchIndex = List.copyOf(searchIndex);
        for (IndexedReference r : references) {
            if (!r.source().equals(key)) {
                throw new IllegalArgumentException("Reference row source " + r.source() + " is not " + key);
            }
        }
    }

    /**
     * A version without search index entries.
     *
     * @param key         the resource
     * @param json        its FHIR JSON
     * @param lastUpdated the version's {@code meta.lastUpdated}
     * @param references  its reference index rows
     */
    public ResourceWrite(ResourceKey key, String json, Instant lastUpdated, List<IndexedReference> references) {
        this(key, json, lastUpdated, references, List.of());
    }
}
