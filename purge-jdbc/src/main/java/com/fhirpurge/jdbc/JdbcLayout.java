package com.fhirpurge.jdbc;

import com.fhirpurge.spi.ResourceKey;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a store keeps resources, history and index rows: table and column names, so the same adapter runs on the
 * reference schema or on a vendor's own tables without new code.
 *
 * <p>Tables are named by a pattern: a plain name for one table holding every resource type (then a type column is
 * required), or a pattern containing {@code {type}} (the resource type as is, e.g. {@code Observation}) or
 * {@code {type_lower}} (lower case) for one table per resource type (then the type column is {@code null}). After
 * substitution every table and column name must match {@code [A-Za-z_][A-Za-z0-9_]{0,62}}; names are quoted, so
 * they are case-sensitive on PostgreSQL and H2 (an unquoted PostgreSQL table {@code Foo} is {@code foo}).
 *
 * <p>Conventions the layout cannot change: ids, types and parameter names are character columns compared exactly
 * (use a binary collation on MariaDB/MySQL: FHIR ids are case-sensitive); versions are integers starting at 1;
 * times are {@code BIGINT} microseconds since the epoch, UTC; the history table holds every version except the
 * current one; membership in a compartment is found through the reference index table.
 *
 * @param current          the current version of each resource
 * @param history          every earlier version
 * @param references       the reference index: one row per (source, search parameter, target)
 * @param extraIndexTables further index tables whose rows of a resource a hard delete removes (e.g. a vendor's token
 *                         or string index); may be empty
 * @param search           the search index tables the store writes and searches ({@link JdbcResourceStore} as a
 *                         {@link com.fhirpurge.spi.ResourceSearcher}), or {@code null} when the layout cannot search;
 *                         list them in {@code extraIndexTables} too, so a hard delete clears them
 */
public record JdbcLayout(ResourceTable current, ResourceTable history, ReferenceTable references,
                         List<IndexTable> extraIndexTables, SearchTables search) {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,30}|");

    /**
     * Validates every name.
     *
     * @param current          see {@link #current()}
     * @param history          see {@link #history()}
     * @param references       see {@link #references()}
     * @param extraIndexTables see {@link #extraIndexTables()}
     * @param search           see {@link #search()}
     * @throws IllegalArgumentException naming the first invalid table or column name
     */
    public JdbcLayout {
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(references, "references");
        if (current.isPerType() != history.isPerType()) {
            throw new IllegalArgumentException("Current and history tables must both be per type or both shared");
        }
        // A hard delete clears the extra index tables; the search tables hold personal data, so they are always
        // among them, whether the caller listed them or not.
        List<IndexTable> clear = new java.util.ArrayList<>(extraIndexTables);
        if (search != null) {
            for (IndexTable t : List.of(new IndexTable(search.strings().table(), search.strings().typeColumn(),
                            search.strings().idColumn()),
                    new IndexTable(search.tokens().table(), search.tokens().typeColumn(), search.tokens().idColumn()),
                    new IndexTable(search.dates().table(), search.dates().typeColumn(), search.dates().idColumn()))) {
                if (!clear.contains(t)) {
                    clear.add(t);
                }
            }
        }
        extraIndexTables = List.copyOf(clear);
    }

    /**
     * A layout without search index tables: the store cannot search.
     *
     * @param current          see {@link #current()}
     * @param history          see {@link #history()}
     * @param references       see {@link #references()}
     * @param extraIndexTables see {@link #extraIndexTables()}
     * @throws IllegalArgumentException naming the first invalid table or column name
     */
    public JdbcLayout(ResourceTable current, ResourceTable history, ReferenceTable references,
                      List<IndexTable> extraIndexTables) {
        this(current, history, references, extraIndexTables, null);
    }

    /**
     * The layout of the shipped reference schema ({@link JdbcSchema#createReferenceSchema}).
     *
     * @param prefix the table name prefix, e.g. {@code fp_}; letters, digits and underscores, may be empty
     * @return the layout
     */
    public static JdbcLayout referenceSchema(String prefix) {
        String p = requirePrefix(prefix);
        return new JdbcLayout(
                new ResourceTable(p + "resource", "res_type", "res_id", "version", "deleted", "last_updated",
                        "content"),
                new ResourceTable(p + "resource_history", "res_type", "res_id", "version", "deleted",
                        "last_updated", "content"),
                new ReferenceTable(p + "reference", "src_type", "src_id", "param", "target_type", "target_id"),
                List.of(new IndexTable(p + "string_idx", "res_type", "res_id"),
                        new IndexTable(p + "token_idx", "res_type", "res_id"),
                        new IndexTable(p + "date_idx", "res_type", "res_id")),
                new SearchTables(
                        new StringIndexTable(p + "string_idx", "res_type", "res_id", "param", "normalized", "exact"),
                        new TokenIndexTable(p + "token_idx", "res_type", "res_id", "param", "system", "code"),
                        new DateIndexTable(p + "date_idx", "res_type", "res_id", "param", "low", "high")));
    }

    static String requirePrefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("Invalid table prefix '" + prefix + "'");
        }
        return prefix;
    }

    static String requireIdentifier(String what, String name) {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("Invalid " + what + " name '" + name + "': must match "
                    + IDENTIFIER.pattern());
        }
        return name;
    }

    static void requireTablePattern(String what, String pattern) {
        Objects.requireNonNull(pattern, what);
        requireIdentifier(what, pattern.replace("{type_lower}", "x").replace("{type}", "X"));
    }

    static String tableName(String pattern, String resourceType) {
        if (!ResourceKey.isResourceTypeName(resourceType)) {
            throw new IllegalArgumentException("Not a resource type name: '" + resourceType + "'");
        }
        String name = pattern.replace("{type_lower}", resourceType.toLowerCase(Locale.ROOT))
                .replace("{type}", resourceType);
        return requireIdentifier("table", name);
    }

    /**
     * A table of resource versions.
     *
     * @param tablePattern      the table name, or a pattern with {@code {type}} / {@code {type_lower}}
     * @param typeColumn        the resource type column; {@code null} for per-type tables
     * @param idColumn          the logical id column
     * @param versionColumn     the version number column
     * @param deletedColumn     the boolean tombstone column (soft delete)
     * @param lastUpdatedColumn the {@code BIGINT} epoch-microseconds column
     * @param contentColumn     the FHIR JSON column
     */
    public record ResourceTable(String tablePattern, String typeColumn, String idColumn, String versionColumn,
                                String deletedColumn, String lastUpdatedColumn, String contentColumn) {

        /**
         * Validates every name.
         *
         * @param tablePattern      see {@link #tablePattern()}
         * @param typeColumn        see {@link #typeColumn()}
         * @param idColumn          see {@link #idColumn()}
         * @param versionColumn     see {@link #versionColumn()}
         * @param deletedColumn     see {@link #deletedColumn()}
         * @param lastUpdatedColumn see {@link #lastUpdatedColumn()}
         * @param contentColumn     see {@link #contentColumn()}
         * @throws IllegalArgumentException naming the first invalid name
         */
        public ResourceTable {
            requireTablePattern("table", tablePattern);
            boolean perType = tablePattern.contains("{type");
            if (perType == (typeColumn != null)) {
                throw new IllegalArgumentException("Table '" + tablePattern + "' needs a type column exactly when it "
                        + "is shared by all resource types");
            }
            if (typeColumn != null) {
                requireIdentifier("column", typeColumn);
            }
            requireIdentifier("column", idColumn);
            requireIdentifier("column", versionColumn);
            requireIdentifier("column", deletedColumn);
            requireIdentifier("column", lastUpdatedColumn);
            requireIdentifier("column", contentColumn);
        }

        /**
         * Whether each resource type has its own table.
         *
         * @return {@code true} when the pattern contains {@code {type}} or {@code {type_lower}}
         */
        public boolean isPerType() {
            return typeColumn == null;
        }

        /**
         * The table holding a resource type.
         *
         * @param resourceType a resource type
         * @return the validated table name
         */
        public String tableFor(String resourceType) {
            return tableName(tablePattern, resourceType);
        }
    }

    /**
     * The reference index table (shared by all resource types).
     *
     * @param table              the table name
     * @param sourceTypeColumn   the referencing resource's type
     * @param sourceIdColumn     the referencing resource's id
     * @param paramColumn        the search parameter name
     * @param targetTypeColumn   the referenced resource's type
     * @param targetIdColumn     the referenced resource's id
     */
    public record ReferenceTable(String table, String sourceTypeColumn, String sourceIdColumn, String paramColumn,
                                 String targetTypeColumn, String targetIdColumn) {

        /**
         * Validates every name.
         *
         * @param table            see {@link #table()}
         * @param sourceTypeColumn see {@link #sourceTypeColumn()}
         * @param sourceIdColumn   see {@link #sourceIdColumn()}
         * @param paramColumn      see {@link #paramColumn()}
         * @param targetTypeColumn see {@link #targetTypeColumn()}
         * @param targetIdColumn   see {@link #targetIdColumn()}
         * @throws IllegalArgumentException naming the first invalid name
         */
        public ReferenceTable {
            requireIdentifier("table", table);
            requireIdentifier("column", sourceTypeColumn);
            requireIdentifier("column", sourceIdColumn);
            requireIdentifier("column", paramColumn);
            requireIdentifier("column", targetTypeColumn);
            requireIdentifier("column", targetIdColumn);
        }
    }

    /**
     * A further index table whose rows belong to one resource: a hard delete removes them.
     *
     * @param tablePattern the table name, or a per-type pattern
     * @param typeColumn   the resource type column; {@code null} for per-type tables
     * @param idColumn     the resource id column
     */
    public record IndexTable(String tablePattern, String typeColumn, String idColumn) {

        /**
         * Validates every name.
         *
         * @param tablePattern see {@link #tablePattern()}
         * @param typeColumn   see {@link #typeColumn()}
         * @param idColumn     see {@link #idColumn()}
         * @throws IllegalArgumentException naming the first invalid name
         */
        public IndexTable {
            requireTablePattern("table", tablePattern);
            if (tablePattern.contains("{type") == (typeColumn != null)) {
                throw new IllegalArgumentException("Index table '" + tablePattern + "' needs a type column exactly "
                        + "when it is shared by all resource types");
            }
            if (typeColumn != null) {
                requireIdentifier("column", typeColumn);
            }
            requireIdentifier("column", idColumn);
        }

        /**
         * The table holding a resource type's rows.
         *
         * @param resourceType a resource type
         * @return the validated table name
         */
        public String tableFor(String resourceType) {
            return tableName(tablePattern, resourceType);
        }
    }

    /**
     * The search index tables, one per kind of {@link com.fhirpurge.spi.IndexEntry}, each shared by all resource
     * types. The store replaces a resource's rows with every new version.
     *
     * @param strings the string index
     * @param tokens  the token index
     * @param dates   the date index
     */
    public record SearchTables(StringIndexTable strings, TokenIndexTable tokens, DateIndexTable dates) {

        /**
         * Validates.
         *
         * @param strings see {@link #strings()}
         * @param tokens  see {@link #tokens()}
         * @param dates   see {@link #dates()}
         */
        public SearchTables {
            Objects.requireNonNull(strings, "strings");
            Objects.requireNonNull(tokens, "tokens");
            Objects.requireNonNull(dates, "dates");
        }
    }

    /**
     * The string index table: one row per string value of a resource's search parameter.
     *
     * @param table            the table name
     * @param typeColumn       the resource type column
     * @param idColumn         the resource id column
     * @param paramColumn      the search parameter name column
     * @param normalizedColumn the value lower-cased without accents (default and {@code :contains} matches)
     * @param exactColumn      the value as written ({@code :exact})
     */
    public record StringIndexTable(String table, String typeColumn, String idColumn, String paramColumn,
                                   String normalizedColumn, String exactColumn) {

        /**
         * Validates every name.
         *
         * @param table            see {@link #table()}
         * @param typeColumn       see {@link #typeColumn()}
         * @param idColumn         see {@link #idColumn()}
         * @param paramColumn      see {@link #paramColumn()}
         * @param normalizedColumn see {@link #normalizedColumn()}
         * @param exactColumn      see {@link #exactColumn()}
         * @throws IllegalArgumentException naming the first invalid name
         */
        public StringIndexTable {
            requireIdentifier("table", table);
            requireIdentifier("column", typeColumn);
            requireIdentifier("column", idColumn);
            requireIdentifier("column", paramColumn);
            requireIdentifier("column", normalizedColumn);
            requireIdentifier("column", exactColumn);
        }
    }

    /**
     * The token index table: one row per token value of a resource's search parameter.
     *
     * @param table        the table name
     * @param typeColumn   the resource type column
     * @param idColumn     the resource id column
     * @param paramColumn  the search parameter name column
     * @param systemColumn the nullable code system column
     * @param codeColumn   the code column
     */
    public record TokenIndexTable(String table, String typeColumn, String idColumn, String paramColumn,
                                  String systemColumn, String codeColumn) {

        /**
         * Validates every name.
         *
         * @param table        see {@link #table()}
         * @param typeColumn   see {@link #typeColumn()}
         * @param idColumn     see {@link #idColumn()}
         * @param paramColumn  see {@link #paramColumn()}
         * @param systemColumn see {@link #systemColumn()}
         * @param codeColumn   see {@link #codeColumn()}
         * @throws IllegalArgumentException naming the first invalid name
         */
        public TokenIndexTable {
            requireIdentifier("table", table);
            requireIdentifier("column", typeColumn);
            requireIdentifier("column", idColumn);
            requireIdentifier("column", paramColumn);
            requireIdentifier("column", systemColumn);
            requireIdentifier("column", codeColumn);
        }
    }

    /**
     * The date index table: one row per date value of a resource's search parameter, as the half-open range
     * {@code [low, high)} in {@code BIGINT} epoch microseconds (open ends as {@link Long#MIN_VALUE} and
     * {@link Long#MAX_VALUE}).
     *
     * @param table       the table name
     * @param typeColumn  the resource type column
     * @param idColumn    the resource id column
     * @param paramColumn the search parameter name column
     * @param lowColumn   the first microsecond covered
     * @param highColumn  the first microsecond after the range
     */
    public record DateIndexTable(String table, String typeColumn, String idColumn, String paramColumn,
                                 String lowColumn, String highColumn) {

        /**
         * Validates every name.
         *
         * @param table       see {@link #table()}
         * @param typeColumn  see {@link #typeColumn()}
         * @param idColumn    see {@link #idColumn()}
         * @param paramColumn see {@link #paramColumn()}
         * @param lowColumn   see {@link #lowColumn()}
         * @param highColumn  see {@link #highColumn()}
         * @throws IllegalArgumentException naming the first invalid name
         */
        public DateIndexTable {
            requireIdentifier("table", table);
            requireIdentifier("column", typeColumn);
            requireIdentifier("column", idColumn);
            requireIdentifier("column", paramColumn);
            requireIdentifier("column", lowColumn);
            requireIdentifier("column", highColumn);
        }
    }
}
