package com.fhirpurge.spi;

import java.util.List;
import java.util.Objects;

/**
 * One criterion of a search: it matches a resource when <em>any</em> of its values matches (a comma in the query).
 * With a chain ({@code subject:Patient.birthdate=1987-02-20}) the values apply to the chained parameter of the
 * resource the reference parameter points at.
 *
 * @param parameter      the search parameter on the searched type, e.g. {@code subject} or {@code _lastUpdated}
 * @param type           its type
 * @param chainType      the chained target's resource type, or {@code null} without a chain
 * @param chainParameter the chained target's parameter, or {@code null} without a chain
 * @param valueType      the type the values are of: {@code type}, or the chained parameter's type
 * @param anyOf          the values, at least one
 */
public record SearchCriterion(String parameter, SearchParamType type, String chainType, String chainParameter,
                              SearchParamType valueType, List<SearchValue> anyOf) {

    /**
     * Validates and copies.
     *
     * @param parameter      see {@link #parameter()}
     * @param type           see {@link #type()}
     * @param chainType      see {@link #chainType()}
     * @param chainParameter see {@link #chainParameter()}
     * @param valueType      see {@link #valueType()}
     * @param anyOf          see {@link #anyOf()}
     * @throws IllegalArgumentException when a chain is half given, hangs off a non-reference parameter, or there is
     *                                  no value
     */
    public SearchCriterion {
        Objects.requireNonNull(parameter, "parameter");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(valueType, "valueType");
        anyOf = List.copyOf(anyOf);
        if ((chainType == null) != (chainParameter == null)) {
            throw new IllegalArgumentException("A chain needs both a target type and a parameter");
        }
        if (chainType != null && type != SearchParamType.REFERENCE) {
            throw new IllegalArgumentException("Only a reference parameter can be chained: " + parameter);
        }
        if (chainType == null && valueType != type) {
            throw new IllegalArgumentException("Without a chain the values are of the parameter's type");
        }
        if (anyOf.isEmpty()) {
            throw new IllegalArgumentException("Criterion " + parameter + " has no value");
        }
    }

    /**
     * Whether the criterion follows a reference to another resource's parameter.
     *
     * @return {@code true} with a chain
     */
    public boolean isChained() {
        return chainType != null;
    }
}
