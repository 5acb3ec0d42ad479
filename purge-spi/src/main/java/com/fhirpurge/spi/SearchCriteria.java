package com.fhirpurge.spi;

import java.util.List;
import java.util.Objects;

/**
 * A validated search over one resource type: a resource matches when it matches <em>every</em> criterion (repeated
 * query parameters are ANDed). No criterion matches every resource of the type.
 *
 * @param resourceType the searched type
 * @param allOf        the criteria
 */
public record SearchCriteria(String resourceType, List<SearchCriterion> allOf) {

    /**
     * Validates and copies.
     *
     * @param resourceType see {@link #resourceType()}
     * @param allOf        see {@link #allOf()}
     */
    public SearchCriteria {
        if (!ResourceKey.isResourceTypeName(resourceType)) {
            throw new IllegalArgumentException("Not a resource type name: '" + resourceType + "'");
        }
        allOf = List.copyOf(Objects.requireNonNull(allOf, "allOf"));
    }
}
