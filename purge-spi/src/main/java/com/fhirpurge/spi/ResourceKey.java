package com.fhirpurge.spi;

import java.util.Comparator;
import java.util.Objects;

/**
 * Identifies one FHIR resource in a store: its resource type and logical id, e.g. {@code Observation/42}.
 *
 * <p>The id is carried as data, exactly as stored: the SPI does not apply the FHIR id rule, so an adapter must
 * treat any string (quotes, semicolons, {@code $where}, unicode) as a value, never as query text. The FHIR wire
 * layer validates ids of incoming requests before they reach the engine.
 *
 * @param type the resource type, e.g. {@code Patient}; letters and digits, starting with an upper-case letter
 * @param id   the logical id, non-empty
 */
public record ResourceKey(String type, String id) implements Comparable<ResourceKey> {

    private static final Comparator<ResourceKey> ORDER =
            Comparator.comparing(ResourceKey::type).thenComparing(ResourceKey::id);

    /**
     * Validates the key.
     *
     * @throws IllegalArgumentException when the type is not a resource type name or the id is empty
     *
     * @param type see {@link #type()}
     * @param id see {@link #id()}
     */
    public ResourceKey {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(id, "id");
        if (!isResourceTypeName(type)) {
            throw new IllegalArgumentException("Not a resource type name: '" + type + "'");
        }
        if (id.isEmpty()) {
            throw new IllegalArgumentException("Empty id for resource type " + type);
        }
    }

    /**
     * Shorthand for the constructor.
     *
     * @param type the resource type
     * @param id   the logical id
     * @return the key
     */
    public static ResourceKey of(String type, String id) {
        return new ResourceKey(type, id);
    }

    /**
     * Parses {@code Type/id}. The id part may itself contain slashes only if the store allows such ids; the split
     * is at the first slash.
     *
     * @param reference a relative reference {@code Type/id}
     * @return the key
     * @throws IllegalArgumentException when there is no slash or either part is invalid
     */
    public static ResourceKey parse(String reference) {
        Objects.requireNonNull(reference, "reference");
        int slash = reference.indexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("Not a Type/id reference: '" + reference + "'");
        }
        return new ResourceKey(reference.substring(0, slash), reference.substring(slash + 1));
    }

    /**
     * Whether a string is a syntactically valid resource type name: an upper-case ASCII letter followed by up to
     * 63 ASCII letters or digits.
     *
     * @param type the candidate
     * @return {@code true} when valid
     */
    public static boolean isResourceTypeName(String type) {
        if (type == null || type.isEmpty() || type.length() > 64) {
            return false;
        }
        if (type.charAt(0) < 'A' || type.charAt(0) > 'Z') {
            return false;
        }
        for (int i = 1; i < type.length(); i++) {
            char c = type.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * Orders by type, then id, by UTF-16 code units ({@link String#compareTo}). Stores that page by key order
     * must use the same order or encode their own in the page token.
     */
    @Override
    public int compareTo(ResourceKey other) {
        return ORDER.compare(this, other);
    }

    /**
     * The relative reference form.
     *
     * @return {@code Type/id}
     */
    @Override
    public String toString() {
        return type + "/" + id;
    }
}
