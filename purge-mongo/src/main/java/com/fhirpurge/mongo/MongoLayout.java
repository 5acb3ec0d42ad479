package com.fhirpurge.mongo;

import com.fhirpurge.spi.ResourceKey;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where a MongoDB store keeps resources and how compartment membership is found: collection name patterns, the
 * names of the bookkeeping fields, and the {@link Membership} strategy. Every name is validated when the layout is
 * built, so nothing from a layout can turn into a query operator or a dotted path.
 *
 * <p><b>Collections.</b> One collection of current versions per resource type ({@link #collectionPattern()},
 * default {@code {type}}), and one of older versions per type ({@link #historyCollectionPattern()}, default
 * {@code {type}_history}). {@code {type}} is replaced by the resource type as is (e.g. {@code Observation}); after
 * substitution a name must match {@code [A-Za-z_][A-Za-z0-9_]{0,119}}.
 *
 * <p><b>Documents.</b> A current document is the resource's FHIR JSON with {@code _id} = the resource id and three
 * bookkeeping fields: the version ({@link #versionField()}, a 64-bit integer from 1), the tombstone flag
 * ({@link #deletedField()}) and the time the version was written ({@link #lastUpdatedField()}, epoch microseconds
 * UTC as a 64-bit integer, so instants round-trip to the microsecond, which a BSON date would not). A history
 * document is a copy of an older version with {@code _id} = {@code <id>/_history/<version>} and the resource id in
 * {@link #resourceIdField()}. A resource's top-level JSON may not use any of these field names (a FHIR primitive
 * extension on {@code id}, JSON {@code "_id"}, cannot be stored).
 *
 * <p><b>Reference field.</b> The writing role ({@link MongoResourceStore#write}) also stores the resource's extracted
 * references in {@link #referencesField()} (default {@code __refs}): an array of {@code {p: <parameter>,
 * t: "<Type>/<id>"}}. It answers {@code findReferrers} and the footprint's index count in both strategies, and
 * compartment membership in {@link Membership#REFERENCE_FIELD}.
 *
 * <p><b>Search index fields.</b> The writing role also stores the version's search index entries on the current
 * document, one array per kind, for {@link MongoResourceStore#search}: {@link #stringIndexField()} (default
 * {@code __str}) of {@code {p: <parameter>, n: <normalised value>, e: <exact value>}}, {@link #tokenIndexField()}
 * (default {@code __tok}) of {@code {p, s: <system or null>, c: <code>}} and {@link #dateIndexField()} (default
 * {@code __date}) of {@code {p, l: <low>, h: <high>}} with epoch microseconds as 64-bit integers (open ends as
 * {@link Long#MIN_VALUE} / {@link Long#MAX_VALUE}). History documents do not keep them.
 *
 * @param membership               how compartment membership is found
 * @param collectionPattern        current versions' collection, with {@code {type}}
 * @param historyCollectionPattern older versions' collection, with {@code {type}}
 * @param versionField             the version number field
 * @param deletedField             the tombstone flag field
 * @param lastUpdatedField         the epoch-microseconds field
 * @param resourceIdField          the resource id field of history documents
 * @param referencesField          the extracted-references array field
 * @param stringIndexField         the string search index array field
 * @param tokenIndexField          the token search index array field
 * @param dateIndexField           the date search index array field
 * @param localBaseUrls            this server's own base URLs (e.g. {@code https://example.org/fhir}): in
 *                                 {@link Membership#RAW_JSON} an absolute reference is a reference to the owner only
 *                                 under one of them; references to other servers never make a resource a member.
 *                                 Empty by default: only relative references count
 */
public record MongoLayout(Membership membership, String collectionPattern, String historyCollectionPattern,
                          String versionField, String deletedField, String lastUpdatedField, String resourceIdField,
                          String referencesField, String stringIndexField, String tokenIndexField,
                          String dateIndexField, List<String> localBaseUrls) {

    /** How compartment members are found. */
    public enum Membership {
        /**
         * Query the resources' own FHIR JSON at the compartment definition's element paths: {@code <path>.reference}
         * equal to {@code Patient/123}, its versioned form {@code Patient/123/_history/N}, or an absolute form
         * {@code <local base>/Patient/123} (optionally versioned) under one of the layout's
         * {@linkplain #localBaseUrls() local base URLs}. No extra field is needed for membership.
         */
        RAW_JSON,
        /**
         * Query the extracted-references field with {@code $elemMatch} on parameter name and target, for vendors
         * that index references at write time.
         */
        REFERENCE_FIELD
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,119}");
    private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final String TYPE = "{type}";

    /**
     * Validates every name.
     *
     * @param membership               see {@link #membership()}
     * @param collectionPattern        see {@link #collectionPattern()}
     * @param historyCollectionPattern see {@link #historyCollectionPattern()}
     * @param versionField             see {@link #versionField()}
     * @param deletedField             see {@link #deletedField()}
     * @param lastUpdatedField         see {@link #lastUpdatedField()}
     * @param resourceIdField          see {@link #resourceIdField()}
     * @param referencesField          see {@link #referencesField()}
     * @param stringIndexField         see {@link #stringIndexField()}
     * @param tokenIndexField          see {@link #tokenIndexField()}
     * @param dateIndexField           see {@link #dateIndexField()}
     * @param localBaseUrls            see {@link #localBaseUrls()}
     * @throws IllegalArgumentException naming the first invalid or clashing name
     */
    public MongoLayout {
        Objects.requireNonNull(membership, "membership");
        requirePattern("collection", collectionPattern);
        requirePattern("history collection", historyCollectionPattern);
        if (collectionPattern.equals(historyCollectionPattern)) {
            throw new IllegalArgumentException("Current and history collections must differ: '" + collectionPattern
                    + "'");
        }
        Set<String> fields = new HashSet<>();
        for (String field : List.of(requireField("version", versionField), requireField("deleted", deletedField),
                requireField("lastUpdated", lastUpdatedField), requireField("resource id", resourceIdField),
                requireField("references", referencesField), requireField("string index", stringIndexField),
                requireField("token index", tokenIndexField), requireField("date index", dateIndexField))) {
            if (field.equals("_id") || field.equals("id") || field.equals("resourceType") || !fields.add(field)) {
                throw new IllegalArgumentException("Field name '" + field + "' is reserved or used twice");
            }
        }
        List<String> bases = new java.util.ArrayList<>();
        for (String base : Objects.requireNonNull(localBaseUrls, "localBaseUrls")) {
            String b = base.strip();
            while (b.endsWith("/")) {
                b = b.substring(0, b.length() - 1);
            }
            if (!b.matches("https?://[^\\s?#]+")) {
                throw new IllegalArgumentException("Not an absolute http(s) base URL: '" + base + "'");
            }
            bases.add(b);
        }
        localBaseUrls = List.copyOf(bases);
    }

    /**
     * The raw FHIR JSON layout with default names: collections {@code {type}} and {@code {type}_history}, fields
     * {@code __version}, {@code __deleted}, {@code __lastUpdated}, {@code __resourceId}, {@code __refs},
     * {@code __str}, {@code __tok}, {@code __date}: FHIR JSON
     * never has a property starting with two underscores, so they can never clash with content (a primitive
     * extension such as {@code _version} of a Questionnaire's {@code version} stays content).
     *
     * @return the layout
     */
    public static MongoLayout rawJson() {
        return builder(Membership.RAW_JSON).build();
    }

    /**
     * The reference-field layout with default names (as {@link #rawJson()}).
     *
     * @return the layout
     */
    public static MongoLayout referenceField() {
        return builder(Membership.REFERENCE_FIELD).build();
    }

    /**
     * Starts a layout with default names.
     *
     * @param membership how membership is found
     * @return a builder
     */
    public static Builder builder(Membership membership) {
        return new Builder(membership);
    }

    /**
     * The collection of a resource type's current versions.
     *
     * @param resourceType a resource type
     * @return the validated collection name
     * @throws IllegalArgumentException when the type is not a resource type name
     */
    public String collectionFor(String resourceType) {
        return substitute(collectionPattern, resourceType);
    }

    /**
     * The collection of a resource type's older versions.
     *
     * @param resourceType a resource type
     * @return the validated collection name
     * @throws IllegalArgumentException when the type is not a resource type name
     */
    public String historyCollectionFor(String resourceType) {
        return substitute(historyCollectionPattern, resourceType);
    }

    /**
     * The resource type whose current versions a collection holds, if its name fits {@link #collectionPattern()}
     * and not {@link #historyCollectionPattern()}.
     *
     * @param collectionName any collection name
     * @return the resource type, or {@code null}
     */
    public String typeOfCollection(String collectionName) {
        String type = typeIn(collectionPattern, collectionName);
        if (type == null || typeIn(historyCollectionPattern, collectionName) != null) {
            return null;
        }
        return type;
    }

    private static String typeIn(String pattern, String name) {
        int at = pattern.indexOf(TYPE);
        String prefix = pattern.substring(0, at);
        String suffix = pattern.substring(at + TYPE.length());
        if (name.length() <= prefix.length() + suffix.length() || !name.startsWith(prefix) || !name.endsWith(suffix)) {
            return null;
        }
        String type = name.substring(prefix.length(), name.length() - suffix.length());
        return ResourceKey.isResourceTypeName(type) ? type : null;
    }

    private static String substitute(String pattern, String resourceType) {
        if (!ResourceKey.isResourceTypeName(resourceType)) {
            throw new IllegalArgumentException("Not a resource type name: '" + resourceType + "'");
        }
        return requireName("collection", pattern.replace(TYPE, resourceType));
    }

    private static void requirePattern(String what, String pattern) {
        Objects.requireNonNull(pattern, what);
        int at = pattern.indexOf(TYPE);
        if (at < 0 || pattern.indexOf(TYPE, at + 1) >= 0) {
            throw new IllegalArgumentException("The " + what + " pattern '" + pattern + "' must contain " + TYPE
                    + " exactly once");
        }
        requireName(what, pattern.replace(TYPE, "X"));
    }

    private static String requireName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Invalid " + what + " name '" + name + "': must match "
                    + NAME.pattern());
        }
        return name;
    }

    private static String requireField(String what, String name) {
        if (name == null || !FIELD.matcher(name).matches()) {
            throw new IllegalArgumentException("Invalid " + what + " field name '" + name + "': must match "
                    + FIELD.pattern());
        }
        return name;
    }

    /** Builds a {@link MongoLayout}, starting from the default names. */
    public static final class Builder {
        private final Membership membership;
        private String collectionPattern = TYPE;
        private String historyCollectionPattern = TYPE + "_history";
        private String versionField = "__version";
        private String deletedField = "__deleted";
        private String lastUpdatedField = "__lastUpdated";
        private String resourceIdField = "__resourceId";
        private String referencesField = "__refs";
        private String stringIndexField = "__str";
        private String tokenIndexField = "__tok";
        private String dateIndexField = "__date";
        private List<String> localBaseUrls = List.of();

        private Builder(Membership membership) {
            this.membership = membership;
        }

        /**
         * Sets the current versions' collection pattern.
         *
         * @param pattern a name containing {@code {type}}
         * @return this
         */
        public Builder collectionPattern(String pattern) {
            this.collectionPattern = pattern;
            return this;
        }

        /**
         * Sets the older versions' collection pattern.
         *
         * @param pattern a name containing {@code {type}}
         * @return this
         */
        public Builder historyCollectionPattern(String pattern) {
            this.historyCollectionPattern = pattern;
            return this;
        }

        /**
         * Sets the version field.
         *
         * @param field the field name
         * @return this
         */
        public Builder versionField(String field) {
            this.versionField = field;
            return this;
        }

        /**
         * Sets the tombstone flag field.
         *
         * @param field the field name
         * @return this
         */
        public Builder deletedField(String field) {
            this.deletedField = field;
            return this;
        }

        /**
         * Sets the last-updated field.
         *
         * @param field the field name
         * @return this
         */
        public Builder lastUpdatedField(String field) {
            this.lastUpdatedField = field;
            return this;
        }

        /**
         * Sets the resource id field of history documents.
         *
         * @param field the field name
         * @return this
         */
        public Builder resourceIdField(String field) {
            this.resourceIdField = field;
            return this;
        }

        /**
         * Sets the extracted-references field.
         *
         * @param field the field name
         * @return this
         */
        public Builder referencesField(String field) {
            this.referencesField = field;
            return this;
        }

        /**
         * Sets the string search index field.
         *
         * @param field the field name
         * @return this
         */
        public Builder stringIndexField(String field) {
            this.stringIndexField = field;
            return this;
        }

        /**
         * Sets the token search index field.
         *
         * @param field the field name
         * @return this
         */
        public Builder tokenIndexField(String field) {
            this.tokenIndexField = field;
            return this;
        }

        /**
         * Sets the date search index field.
         *
         * @param field the field name
         * @return this
         */
        public Builder dateIndexField(String field) {
            this.dateIndexField = field;
            return this;
        }

        /**
         * Sets this server's own base URLs, under which absolute references are local.
         *
         * @param urls absolute http(s) base URLs, e.g. {@code https://example.org/fhir}
         * @return this
         */
        public Builder localBaseUrls(String... urls) {
            this.localBaseUrls = List.of(urls);
            return this;
        }

        /**
         * Builds and validates the layout.
         *
         * @return the layout
         * @throws IllegalArgumentException naming the first invalid or clashing name
         */
        public MongoLayout build() {
            return new MongoLayout(membership, collectionPattern, historyCollectionPattern, versionField,
                    deletedField, lastUpdatedField, resourceIdField, referencesField, stringIndexField,
                    tokenIndexField, dateIndexField, localBaseUrls);
        }
    }
}
