package com.fhirpurge.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * One search index entry of a resource version, extracted by the core with HAPI FHIR when the resource is written,
 * so a store can answer {@link SearchCriteria} without parsing FHIR. Reference parameters are indexed as
 * {@link IndexedReference} rows instead.
 */
public sealed interface IndexEntry {

    /**
     * The search parameter the entry belongs to.
     *
     * @return e.g. {@code name}, {@code code}, {@code birthdate}
     */
    String paramName();

    /**
     * A value of a {@code string} parameter.
     *
     * @param paramName  the parameter
     * @param normalized the value lower-cased with accents removed (for the default and {@code :contains} matches)
     * @param exact      the value as written (for {@code :exact})
     */
    record StringEntry(String paramName, String normalized, String exact) implements IndexEntry {

        /**
         * Validates.
         *
         * @param paramName  see {@link #paramName()}
         * @param normalized see {@link #normalized()}
         * @param exact      see {@link #exact()}
         */
        public StringEntry {
            Objects.requireNonNull(paramName, "paramName");
            Objects.requireNonNull(normalized, "normalized");
            Objects.requireNonNull(exact, "exact");
        }
    }

    /**
     * A value of a {@code token} parameter.
     *
     * @param paramName the parameter
     * @param system    the code system (or identifier system), {@code null} when the value has none
     * @param code      the code (or identifier value, or {@code true}/{@code false})
     */
    record TokenEntry(String paramName, String system, String code) implements IndexEntry {

        /**
         * Validates.
         *
         * @param paramName see {@link #paramName()}
         * @param system    see {@link #system()}
         * @param code      see {@link #code()}
         */
        public TokenEntry {
            Objects.requireNonNull(paramName, "paramName");
            Objects.requireNonNull(code, "code");
        }
    }

    /**
     * A value of a {@code date} parameter as the half-open range it covers: a day covers 24 hours, a {@code Period}
     * its start to its end (open ends as {@link Instant#MIN} / {@link Instant#MAX}).
     *
     * @param paramName the parameter
     * @param low       the first instant covered
     * @param high      the first instant after the range
     */
    record DateEntry(String paramName, Instant low, Instant high) implements IndexEntry {

        /**
         * Validates.
         *
         * @param paramName see {@link #paramName()}
         * @param low       see {@link #low()}
         * @param high      see {@link #high()}
         */
        public DateEntry {
            Objects.requireNonNull(paramName, "paramName");
            Objects.requireNonNull(low, "low");
            Objects.requireNonNull(high, "high");
            if (high.isBefore(low)) {
                throw new IllegalArgumentException("Date range ends before it starts: " + low + " .. " + high);
            }
        }
    }
}
