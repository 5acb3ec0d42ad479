package com.fhirpurge.spi;

import java.util.Objects;

/**
 * One compartment instance: a definition and the owner's id, e.g. the Patient compartment of {@code Patient/123}.
 *
 * @param definition the compartment definition
 * @param ownerId    the owner's logical id
 */
public record CompartmentScope(CompartmentDefinition definition, String ownerId) {

    /**
     * Validates.
     *
     * @throws IllegalArgumentException when the owner id is empty
     *
     * @param definition see {@link #definition()}
     * @param ownerId see {@link #ownerId()}
     */
    public CompartmentScope {
        Objects.requireNonNull(definition, "definition");
        Objects.requireNonNull(ownerId, "ownerId");
        if (ownerId.isEmpty()) {
            throw new IllegalArgumentException("Empty compartment owner id");
        }
    }

    /**
     * The owner resource's key, e.g. {@code Patient/123}.
     *
     * @return the owner key
     */
    public ResourceKey owner() {
        return new ResourceKey(definition.code(), ownerId);
    }
}
