package com.fhirpurge.spi;

import java.util.EnumSet;
import java.util.Set;

/**
 * What a {@link ResourceSearcher} can answer; the core refuses a bulk delete the store cannot answer, at kick-off.
 *
 * @param parameterTypes the parameter types it matches
 * @param stringMatches  the string matches it supports
 * @param chains         whether it follows one-level chains
 */
public record SearchSupport(Set<SearchParamType> parameterTypes, Set<SearchValue.StringValue.Match> stringMatches,
                            boolean chains) {

    /**
     * Copies.
     *
     * @param parameterTypes see {@link #parameterTypes()}
     * @param stringMatches  see {@link #stringMatches()}
     * @param chains         see {@link #chains()}
     */
    public SearchSupport {
        parameterTypes = Set.copyOf(parameterTypes);
        stringMatches = Set.copyOf(stringMatches);
    }

    /**
     * Everything the criteria model can express.
     *
     * @return full support
     */
    public static SearchSupport full() {
        return new SearchSupport(EnumSet.allOf(SearchParamType.class),
                EnumSet.allOf(SearchValue.StringValue.Match.class), true);
    }
}
