package com.fhirpurge.spi;

import java.util.List;
import java.util.Objects;

/**
 * One search parameter through which a resource type joins a compartment, e.g. {@code Observation.performer}.
 *
 * @param name         the search parameter name, e.g. {@code performer}; matched against the parameter names of a
 *                     store's reference index
 * @param elementPaths the element paths (relative to the resource, dot separated, no resource type prefix, no
 *                     FHIRPath functions) whose {@code Reference.reference} values point at the compartment owner,
 *                     e.g. {@code participant.actor}; used by stores that query raw FHIR JSON. Never empty.
 */
public record CompartmentParam(String name, List<String> elementPaths) {

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException when the name is blank or there is no path
     *
     * @param name see {@link #name()}
     * @param elementPaths see {@link #elementPaths()}
     */
    public CompartmentParam {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("Blank compartment parameter name");
        }
        elementPaths = List.copyOf(elementPaths);
        if (elementPaths.isEmpty()) {
            throw new IllegalArgumentException("Compartment parameter " + name + " has no element path");
        }
    }
}
