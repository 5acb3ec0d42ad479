package com.fhirpurge.spi;

import java.util.Objects;

/**
 * One row of a reference index: resource {@code source} references {@code target} through search parameter
 * {@code paramName}.
 *
 * @param source    the referencing resource
 * @param paramName the search parameter name, e.g. {@code subject}
 * @param target    the referenced resource (type and logical id, version and base URL stripped)
 */
public record IndexedReference(ResourceKey source, String paramName, ResourceKey target) {

    /**
     * Validates.
     *
     * @param source see {@link #source()}
     * @param paramName see {@link #paramName()}
     * @param target see {@link #target()}
     */
    public IndexedReference {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(paramName, "paramName");
        Objects.requireNonNull(target, "target");
        if (paramName.isBlank()) {
            throw new IllegalArgumentException("Blank parameter name on reference from " + source);
        }
    }
}
