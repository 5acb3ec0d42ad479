package com.fhirpurge.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * One value of a search criterion, typed and validated by the core; a store never parses query text.
 */
public sealed interface SearchValue {

    /**
     * A string match.
     *
     * @param text  the text; for {@link Match#STARTS_WITH} and {@link Match#CONTAINS} already normalised (lower case,
     *              accents removed), as stores index string values for those matches
     * @param match how to compare
     */
    record StringValue(String text, Match match) implements SearchValue {

        /** How a string value is compared. */
        public enum Match {
            /** The default: the normalised indexed value starts with the normalised text. */
            STARTS_WITH,
            /** {@code :exact}: the indexed value equals the text, case and accents included. */
            EXACT,
            /** {@code :contains}: the normalised indexed value contains the normalised text. */
            CONTAINS
        }

        /**
         * Validates.
         *
         * @param text  see {@link #text()}
         * @param match see {@link #match()}
         */
        public StringValue {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(match, "match");
        }
    }

    /**
     * A token match: {@code code}, {@code system|code}, {@code |code} or {@code system|}.
     *
     * @param system the system; {@code null} for any system, empty for "no system" ({@code |code})
     * @param code   the code; {@code null} for any code of the system ({@code system|})
     */
    record TokenValue(String system, String code) implements SearchValue {

        /**
         * Validates: at least one of system and code is given.
         *
         * @param system see {@link #system()}
         * @param code   see {@link #code()}
         */
        public TokenValue {
            if (system == null && code == null) {
                throw new IllegalArgumentException("A token value needs a system or a code");
            }
        }
    }

    /**
     * A date comparison against the half-open range {@code [low, high)} the value denotes (a partial date such as
     * {@code 1987-02} covers the whole month).
     *
     * @param prefix how the indexed range must relate to this one
     * @param low    the first instant of the value's range
     * @param high   the first instant after it
     */
    record DateValue(DatePrefix prefix, Instant low, Instant high) implements SearchValue {

        /** The FHIR date prefixes. */
        public enum DatePrefix {
            /** Equal: the indexed range lies within the value's range. */
            EQ,
            /** Not equal: the indexed range does not lie within the value's range. */
            NE,
            /** Less than: the indexed range starts before the value's range. */
            LT,
            /** Less or equal: the indexed range starts before the value's range ends. */
            LE,
            /** Greater than: the indexed range ends after the value's range. */
            GT,
            /** Greater or equal: the indexed range ends after the value's range starts. */
            GE,
            /** Starts after: the indexed range starts after the value's range ends. */
            SA,
            /** Ends before: the indexed range ends before the value's range starts. */
            EB,
            /** Approximately: as {@link #EQ} on a range the core has already widened. */
            AP
        }

        /**
         * Validates.
         *
         * @param prefix see {@link #prefix()}
         * @param low    see {@link #low()}
         * @param high   see {@link #high()}
         */
        public DateValue {
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(low, "low");
            Objects.requireNonNull(high, "high");
            if (!high.isAfter(low)) {
                throw new IllegalArgumentException("Empty date range " + low + " .. " + high);
            }
        }
    }

    /**
     * A reference match.
     *
     * @param type the target's resource type, or {@code null} for any of the parameter's target types
     * @param id   the target's logical id
     */
    record ReferenceValue(String type, String id) implements SearchValue {

        /**
         * Validates.
         *
         * @param type see {@link #type()}
         * @param id   see {@link #id()}
         */
        public ReferenceValue {
            if (type != null && !ResourceKey.isResourceTypeName(type)) {
                throw new IllegalArgumentException("Not a resource type name: '" + type + "'");
            }
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * An {@code _id} match.
     *
     * @param id the logical id
     */
    record IdValue(String id) implements SearchValue {

        /**
         * Validates.
         *
         * @param id see {@link #id()}
         */
        public IdValue {
            Objects.requireNonNull(id, "id");
        }
    }
}
