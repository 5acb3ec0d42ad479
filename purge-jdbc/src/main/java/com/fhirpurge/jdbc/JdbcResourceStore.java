package com.fhirpurge.jdbc;

import com.fhirpurge.jdbc.JdbcLayout.IndexTable;
import com.fhirpurge.jdbc.JdbcLayout.ReferenceTable;
import com.fhirpurge.jdbc.JdbcLayout.ResourceTable;
import com.fhirpurge.jdbc.JdbcLayout.SearchTables;
import com.fhirpurge.jdbc.internal.Sql;
import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.CompartmentParam;
import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.Footprint;
import com.fhirpurge.spi.IndexEntry;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.MemberPages;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceFinder;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceKeys;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.ResourceReader;
import com.fhirpurge.spi.ResourceSearcher;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.ResourceWriter;
import com.fhirpurge.spi.SearchCriteria;
import com.fhirpurge.spi.SearchCriterion;
import com.fhirpurge.spi.SearchParamType;
import com.fhirpurge.spi.SearchSupport;
import com.fhirpurge.spi.SearchValue;
import com.fhirpurge.spi.StoredResource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Every resource role of the SPI over JDBC, on the tables a {@link JdbcLayout} describes.
 *
 * <p><b>Erasing.</b> A batch is grouped by resource type and erased in one transaction: reference index rows,
 * further index tables, history, then the current row, each a single statement per type with the ids bound as one
 * array ({@code = ANY(?)} on PostgreSQL) or an {@code IN} list sized to the dialect's limit. Where the database
 * reports deleted rows ({@code DELETE ... RETURNING}) no extra query is made; elsewhere the ids present are selected
 * first, in the same transaction.
 *
 * <p><b>Finding.</b> Compartment members are read from the reference index: one index range on the owner
 * ({@code target_id, target_type}), filtered by the member types' parameters, ordered by source type and id, and
 * paged by keyset (the page token is the last source key), so a page costs the same wherever it starts and erased
 * pages are never re-read. The owner resource itself comes first.
 *
 * <p><b>Searching.</b> With {@link JdbcLayout#search() search tables} every write replaces the resource's string,
 * token and date index rows in the same transaction, and a search is one query on the current table: live rows of
 * the type last updated by the snapshot, one {@code EXISTS} per criterion (its values ORed inside), ordered by id
 * and paged by keyset ({@code id > ?}). Layouts without search tables declare no support.
 *
 * <p><b>Threading:</b> safe for concurrent use; every call takes its own connection from the {@link DataSource}.
 * <b>Errors:</b> {@link com.fhirpurge.spi.StoreException} carrying the SQL state, transient when the dialect says so.
 */
public final class JdbcResourceStore implements ResourceFinder, ResourceEraser, ResourceWriter, ResourceReader,
        ResourceSearcher {

    private static final String SEARCH_CURSOR = "s:";

    private final Sql sql;
    private final JdbcDialect dialect;
    private final JdbcLayout layout;

    /**
     * Creates a store.
     *
     * @param dataSource the database
     * @param layout     where resources live
     * @param dialect    the database's dialect
     */
    public JdbcResourceStore(DataSource dataSource, JdbcLayout layout, JdbcDialect dialect) {
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.sql = new Sql(Objects.requireNonNull(dataSource, "dataSource"), dialect);
    }

    /**
     * Creates a store, detecting the dialect from the database.
     *
     * @param dataSource the database
     * @param layout     where resources live
     * @return the store
     */
    public static JdbcResourceStore create(DataSource dataSource, JdbcLayout layout) {
        return new JdbcResourceStore(dataSource, layout, JdbcDialects.detect(dataSource));
    }

    /**
     * The layout this store works on.
     *
     * @return the layout
     */
    public JdbcLayout layout() {
        return layout;
    }

    private String q(String identifier) {
        return dialect.quote(identifier);
    }

    private String table(ResourceTable t, String type) {
        return q(t.tableFor(type));
    }

    /** {@code "type_col" = ? AND } for shared tables, empty for per-type tables. */
    private String typeAnd(String typeColumn) {
        return typeColumn == null ? "" : q(typeColumn) + " = ? AND ";
    }

    private static int bindType(PreparedStatement ps, int index, String typeColumn, String type) throws SQLException {
        if (typeColumn == null) {
            return index;
        }
        ps.setString(index, type);
        return index + 1;
    }

    // ------------------------------------------------------------------------------------------------ finding

    @Override
    public ResourcePage findMembers(CompartmentScope scope, String pageToken, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1, was " + limit);
        }
        ResourceKey after = MemberPages.after(pageToken);
        return sql.read("find compartment members of " + scope.owner(), c -> {
            ResourceKey owner = pageToken == null && currentExists(c, scope.owner()) ? scope.owner() : null;
            int wanted = MemberPages.membersWanted(owner != null, limit);
            return MemberPages.page(owner, wanted == 0 ? List.of() : memberPage(c, scope, after, wanted + 1), limit);
        });
    }

    /**
     * On PostgreSQL one query answers the group: each owner's index range is read by a lateral subquery stopped at
     * {@code limit + 1} rows, and the owners' own resources by one lookup. An owner whose rows hit that limit while
     * collapsing to too few distinct members (a member reached through several parameters) is read alone on the
     * same connection, so every page is exactly what {@link #findMembers} returns.
     */
    @Override
    public List<ResourcePage> findFirstPages(List<CompartmentScope> scopes, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1, was " + limit);
        }
        if (scopes.size() < 2 || !MemberPages.oneDefinition(scopes)
                || !(dialect.supportsLateralUnnest() || dialect.supportsKeySeek())) {
            return ResourceFinder.super.findFirstPages(scopes, limit);
        }
        if (!dialect.supportsLateralUnnest()) {
            return sql.read("find the first members of " + scopes.size() + " compartments",
                    c -> firstPagesInOwnerOrder(c, scopes, limit));
        }
        CompartmentDefinition definition = scopes.get(0).definition();
        List<String> owners = scopes.stream().map(CompartmentScope::ownerId).distinct().toList();
        return sql.read("find the first members of " + owners.size() + " compartments", c -> {
            Set<String> existing = existingIds(c, definition.code(), owners);
            Map<String, List<ResourceKey>> members = new HashMap<>();
            Map<String, Integer> rows = new HashMap<>();
            ReferenceTable r = layout.references();
            StringBuilder s = new StringBuilder("SELECT o.owner_id, m.").append(q(r.sourceTypeColumn()))
                    .append(", m.").append(q(r.sourceIdColumn())).append(" FROM unnest(?::text[]) AS o(owner_id)")
                    .append(" CROSS JOIN LATERAL (SELECT ").append(q(r.sourceTypeColumn())).append(", ")
                    .append(q(r.sourceIdColumn())).append(" FROM ").append(q(r.table())).append(" WHERE ");
            appendMembership(s, scopes.get(0), "o.owner_id");
            s.append(memberOrder(true)).append(" LIMIT ?) m ORDER BY 1, 2, 3");
            try (PreparedStatement ps = c.prepareStatement(s.toString())) {
                int i = dialect.bindIn(c, ps, 1, owners);
                i = bindMembershipOf(ps, i, definition);
                ps.setInt(i, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String owner = rs.getString(1);
                        rows.merge(owner, 1, Integer::sum);
                        List<ResourceKey> keys = members.computeIfAbsent(owner, o -> new ArrayList<>());
                        ResourceKey key = ResourceKey.of(rs.getString(2), rs.getString(3));
                        if (keys.isEmpty() || !keys.get(keys.size() - 1).equals(key)) {
                            keys.add(key);
                        }
                    }
                }
            }
            List<ResourcePage> pages = new ArrayList<>(scopes.size());
            for (CompartmentScope scope : scopes) {
                ResourceKey owner = existing.contains(scope.ownerId()) ? scope.owner() : null;
                int wanted = MemberPages.membersWanted(owner != null, limit);
                List<ResourceKey> found = members.getOrDefault(scope.ownerId(), List.of());
                if (wanted > 0 && rows.getOrDefault(scope.ownerId(), 0) > limit && found.size() <= wanted) {
                    found = memberPage(c, scope, null, wanted + 1); // duplicates hid whether more follow
                }
                pages.add(MemberPages.page(owner, found, limit));
            }
            return pages;
        });
    }

    /**
     * Where there is no lateral join but an index range seek (MariaDB, MySQL), a group's first pages come from a few
     * reads of the owners' rows in (owner, type, id) order, each of at most {@code 4 * (limit + 1)} rows and each
     * seeking past the last owner of the one before, instead of two queries per owner. An owner whose rows a read
     * cut off is finished by a page read of its own from its last member, and no owner keeps more members than its
     * page needs, so memory stays bounded by the group's pages.
     */
    private List<ResourcePage> firstPagesInOwnerOrder(Connection c, List<CompartmentScope> scopes, int limit)
            throws SQLException {
        CompartmentDefinition definition = scopes.get(0).definition();
        Map<String, CompartmentScope> byOwner = new LinkedHashMap<>();
        scopes.forEach(scope -> byOwner.putIfAbsent(scope.ownerId(), scope));
        List<String> owners = List.copyOf(byOwner.keySet());
        Set<String> existing = existingIds(c, definition.code(), owners);
        Map<String, List<ResourceKey>> members = new HashMap<>();
        int rowsPerRead = 4 * (limit + 1);
        ReferenceTable r = layout.references();
        for (List<String> chunk : chunks(owners)) {
            String afterOwner = null;
            while (true) {
                StringBuilder s = new StringBuilder("SELECT ").append(q(r.targetIdColumn())).append(", ")
                        .append(q(r.sourceTypeColumn())).append(", ").append(q(r.sourceIdColumn())).append(" FROM ")
                        .append(q(r.table())).append(" WHERE ");
                appendMembership(s, definition, dialect.inPredicate(q(r.targetIdColumn()), chunk.size()),
                        q(r.targetIdColumn()));
                if (afterOwner != null) {
                    s.append(" AND ").append(q(r.targetIdColumn())).append(" > ?");
                }
                s.append(" ORDER BY ").append(q(r.targetIdColumn())).append(", ").append(memberOrderPastOwner(true))
                        .append(dialect.limitClause());
                int read = 0;
                String lastOwner = null;
                try (PreparedStatement ps = c.prepareStatement(s.toString())) {
                    int i = bindMembershipOf(ps, dialect.bindIn(c, ps, 1, chunk), definition);
                    if (afterOwner != null) {
                        ps.setString(i++, afterOwner);
                    }
                    ps.setInt(i, rowsPerRead);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            read++;
                            lastOwner = rs.getString(1);
                            List<ResourceKey> keys = members.computeIfAbsent(lastOwner, o -> new ArrayList<>());
                            ResourceKey key = ResourceKey.of(rs.getString(2), rs.getString(3));
                            if (keys.size() <= wanted(existing, lastOwner, limit)
                                    && (keys.isEmpty() || !keys.get(keys.size() - 1).equals(key))) {
                                keys.add(key);
                            }
                        }
                    }
                }
                if (read < rowsPerRead) {
                    break;
                }
                List<ResourceKey> cut = members.get(lastOwner);
                int missing = wanted(existing, lastOwner, limit) + 1 - cut.size();
                if (missing > 0) {
                    cut.addAll(memberPage(c, byOwner.get(lastOwner), cut.get(cut.size() - 1), missing));
                }
                afterOwner = lastOwner;
            }
        }
        List<ResourcePage> pages = new ArrayList<>(scopes.size());
        for (CompartmentScope scope : scopes) {
            ResourceKey owner = existing.contains(scope.ownerId()) ? scope.owner() : null;
            pages.add(MemberPages.page(owner, members.getOrDefault(scope.ownerId(), List.of()), limit));
        }
        return pages;
    }

    /** How many members an owner's first page needs besides the owner. */
    private static int wanted(Set<String> existing, String ownerId, int limit) {
        return MemberPages.membersWanted(existing.contains(ownerId), limit);
    }

    /** Which of the ids have a current row of the type. */
    private Set<String> existingIds(Connection c, String type, List<String> ids) throws SQLException {
        ResourceTable t = layout.current();
        Set<String> found = new HashSet<>();
        for (List<String> chunk : chunks(ids)) {
            String s = "SELECT " + q(t.idColumn()) + " FROM " + table(t, type) + " WHERE " + typeAnd(t.typeColumn())
                    + dialect.inPredicate(q(t.idColumn()), chunk.size());
            try (PreparedStatement ps = c.prepareStatement(s)) {
                dialect.bindIn(c, ps, bindType(ps, 1, t.typeColumn(), type), chunk);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(rs.getString(1));
                    }
                }
            }
        }
        return found;
    }

    /**
     * Up to {@code rows} distinct members after {@code after}, one member type at a time in type order. Each query
     * pins target and source type, so it is one range of the target index read in {@code src_id} order and stopped
     * at the limit, on every database; a source reached through several parameters comes back as adjacent rows and
     * is collapsed here.
     */
    private List<ResourceKey> memberPage(Connection c, CompartmentScope scope, ResourceKey after, int rows)
            throws SQLException {
        if (dialect.supportsKeySeek()) {
            return memberPageAcrossTypes(c, scope, after, rows);
        }
        List<ResourceKey> keys = new ArrayList<>(rows);
        var types = scope.definition().members();
        var remainingTypes = after == null ? types : types.tailMap(after.type());
        for (Map.Entry<String, List<CompartmentParam>> type : remainingTypes.entrySet()) {
            String idAfter = after != null && after.type().equals(type.getKey()) ? after.id() : null;
            while (keys.size() < rows) {
                int want = rows - keys.size();
                int read = 0;
                try (PreparedStatement ps = c.prepareStatement(memberOfTypeSql(type.getValue().size(),
                        idAfter != null))) {
                    int i = 1;
                    ps.setString(i++, scope.ownerId());
                    ps.setString(i++, scope.definition().code());
                    ps.setString(i++, type.getKey());
                    for (CompartmentParam p : type.getValue()) {
                        ps.setString(i++, p.name());
                    }
                    if (idAfter != null) {
                        ps.setString(i++, idAfter);
                    }
                    ps.setInt(i, want);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            read++;
                            String id = rs.getString(1);
                            if (!id.equals(idAfter)) {
                                ResourceKey key = ResourceKey.of(type.getKey(), id);
                                if (!key.equals(scope.owner())) {
                                    keys.add(key);
                                }
                                idAfter = id;
                            }
                        }
                    }
                }
                if (read < want) {
                    break;
                }
            }
            if (keys.size() == rows) {
                break;
            }
        }
        return keys;
    }

    /**
     * A page of members of every type in one query: the index range of the owner, filtered by the member parameters,
     * read in (type, id) order from a row-value seek past the last key.
     */
    private List<ResourceKey> memberPageAcrossTypes(Connection c, CompartmentScope scope, ResourceKey after, int rows)
            throws SQLException {
        ReferenceTable r = layout.references();
        List<ResourceKey> keys = new ArrayList<>(rows);
        ResourceKey last = after;
        while (keys.size() < rows) {
            int want = rows - keys.size();
            StringBuilder s = new StringBuilder("SELECT ").append(q(r.sourceTypeColumn())).append(", ")
                    .append(q(r.sourceIdColumn())).append(" FROM ").append(q(r.table())).append(" WHERE ");
            appendMembership(s, scope);
            if (last != null) {
                s.append(" AND ").append(dialect.keyAfterPredicate(q(r.sourceTypeColumn()), q(r.sourceIdColumn())));
            }
            s.append(memberOrder(true)).append(dialect.limitClause());
            int read = 0;
            try (PreparedStatement ps = c.prepareStatement(s.toString())) {
                int i = bindMembership(ps, 1, scope);
                if (last != null) {
                    i = dialect.bindKeyAfter(ps, i, last.type(), last.id());
                }
                ps.setInt(i, want);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        read++;
                        ResourceKey key = ResourceKey.of(rs.getString(1), rs.getString(2));
                        if (!key.equals(last)) {
                            keys.add(key);
                            last = key;
                        }
                    }
                }
            }
            if (read < want) {
                break;
            }
        }
        return keys;
    }

    private String memberOfTypeSql(int params, boolean afterId) {
        ReferenceTable r = layout.references();
        StringBuilder s = new StringBuilder("SELECT ").append(q(r.sourceIdColumn())).append(" FROM ")
                .append(q(r.table())).append(" WHERE ").append(q(r.targetIdColumn())).append(" = ? AND ")
                .append(q(r.targetTypeColumn())).append(" = ? AND ").append(q(r.sourceTypeColumn())).append(" = ? AND ")
                .append(q(r.paramColumn())).append(" IN (");
        for (int i = 0; i < params; i++) {
            s.append(i == 0 ? "?" : ",?");
        }
        s.append(')');
        if (afterId) {
            s.append(" AND ").append(q(r.sourceIdColumn())).append(" > ?");
        }
        return s.append(memberOrder(false)).append(dialect.limitClause()).toString();
    }

    /**
     * The order of a compartment page: the reference target index's order (target id, target type, source type,
     * source id), written the way the dialect's optimizer reads that index in order and stops at the limit instead of
     * sorting the compartment: with or without the columns the query pins by equality.
     *
     * @param typeOpen whether the source type is read in order too (else the query pins it)
     */
    private String memberOrder(boolean typeOpen) {
        return " ORDER BY " + (dialect.ordersByPinnedColumns() ? q(layout.references().targetIdColumn()) + ", " : "")
                + memberOrderPastOwner(typeOpen);
    }

    /** {@link #memberOrder} after the target id, for a query that pins the target type only. */
    private String memberOrderPastOwner(boolean typeOpen) {
        ReferenceTable r = layout.references();
        StringBuilder s = new StringBuilder();
        if (dialect.ordersByPinnedColumns()) {
            s.append(q(r.targetTypeColumn())).append(", ");
        }
        if (typeOpen || dialect.ordersByPinnedColumns()) {
            s.append(q(r.sourceTypeColumn())).append(", ");
        }
        return s.append(q(r.sourceIdColumn())).toString();
    }

    /** Rows pointing at the owner through a member parameter of the source's type, the owner itself excluded. */
    private void appendMembership(StringBuilder s, CompartmentScope scope) {
        appendMembership(s, scope, "?");
    }

    /**
     * The membership predicate with the owner id given by {@code ownerId}: {@code ?} (bound by
     * {@link #bindMembership}) or a column of an enclosing query (then bound by {@link #bindMembershipOf}).
     */
    private void appendMembership(StringBuilder s, CompartmentScope scope, String ownerId) {
        appendMembership(s, scope.definition(), q(layout.references().targetIdColumn()) + " = " + ownerId, ownerId);
    }

    /**
     * The membership predicate: {@code ownerPredicate} on the target id (such as {@code target_id = ?}), the source
     * not the owner given by {@code ownerId}, and the rest bound by {@link #bindMembershipOf}.
     */
    private void appendMembership(StringBuilder s, CompartmentDefinition definition, String ownerPredicate,
                                  String ownerId) {
        ReferenceTable r = layout.references();
        s.append(ownerPredicate).append(" AND ").append(q(r.targetTypeColumn())).append(" = ? AND ");
        if (dialect.matchesPairsAsText()) {
            int pairs = definition.members().values().stream().mapToInt(List::size).sum();
            s.append(dialect.inPredicate("CONCAT(" + q(r.sourceTypeColumn()) + ", '/', " + q(r.paramColumn()) + ")",
                    pairs));
        } else {
            s.append('(');
            boolean first = true;
            for (Map.Entry<String, List<CompartmentParam>> e : definition.members().entrySet()) {
                s.append(first ? "(" : " OR (").append(q(r.sourceTypeColumn())).append(" = ? AND ")
                        .append(q(r.paramColumn())).append(" IN (");
                for (int i = 0; i < e.getValue().size(); i++) {
                    s.append(i == 0 ? "?" : ",?");
                }
                s.append("))");
                first = false;
            }
            s.append(')');
        }
        s.append(" AND NOT (").append(q(r.sourceTypeColumn())).append(" = ? AND ").append(q(r.sourceIdColumn()))
                .append(" = ").append(ownerId).append(')');
    }

    private int bindMembership(PreparedStatement ps, int index, CompartmentScope scope) throws SQLException {
        ps.setString(index, scope.ownerId());
        int i = bindMembershipOf(ps, index + 1, scope.definition());
        ps.setString(i++, scope.ownerId());
        return i;
    }

    /** Binds a membership predicate whose owner id is a column: the compartment's parameters only. */
    private int bindMembershipOf(PreparedStatement ps, int index, CompartmentDefinition definition)
            throws SQLException {
        int i = index;
        ps.setString(i++, definition.code());
        boolean asText = dialect.matchesPairsAsText();
        for (Map.Entry<String, List<CompartmentParam>> e : definition.members().entrySet()) {
            if (!asText) {
                ps.setString(i++, e.getKey());
            }
            for (CompartmentParam p : e.getValue()) {
                ps.setString(i++, asText ? e.getKey() + "/" + p.name() : p.name());
            }
        }
        ps.setString(i++, definition.code());
        return i;
    }

    private boolean currentExists(Connection c, ResourceKey key) throws SQLException {
        ResourceTable t = layout.current();
        String s = "SELECT 1 FROM " + table(t, key.type()) + " WHERE " + typeAnd(t.typeColumn()) + q(t.idColumn())
                + " = ?";
        try (PreparedStatement ps = c.prepareStatement(s)) {
            int i = bindType(ps, 1, t.typeColumn(), key.type());
            ps.setString(i, key.id());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public long countMembers(CompartmentScope scope) {
        return sql.read("count compartment members of " + scope.owner(), c -> {
            ReferenceTable r = layout.references();
            StringBuilder s = new StringBuilder("SELECT COUNT(*) FROM (SELECT DISTINCT ")
                    .append(q(r.sourceTypeColumn())).append(", ").append(q(r.sourceIdColumn())).append(" FROM ")
                    .append(q(r.table())).append(" WHERE ");
            appendMembership(s, scope);
            s.append(") m");
            long count;
            try (PreparedStatement ps = c.prepareStatement(s.toString())) {
                bindMembership(ps, 1, scope);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    count = rs.getLong(1);
                }
            }
            return count + (currentExists(c, scope.owner()) ? 1 : 0);
        });
    }

    @Override
    public List<ResourceKey> findExisting(Collection<ResourceKey> keys) {
        Map<String, List<String>> byType = ResourceKeys.groupByType(keys);
        if (byType.isEmpty()) {
            return List.of();
        }
        ResourceTable cur = layout.current();
        ResourceTable h = layout.history();
        if (dialect.supportsKeyPairs() && byType.size() > 1 && cur.typeColumn() != null && h.typeColumn() != null) {
            return ResourceKeys.inBatchOrder(keys, sql.read("find existing resources",
                    c -> existingAcrossTypes(c, byType)));
        }
        Set<ResourceKey> found = sql.read("find existing resources", c -> {
            Set<ResourceKey> hit = new HashSet<>();
            for (Map.Entry<String, List<String>> e : byType.entrySet()) {
                for (List<String> ids : chunks(e.getValue())) {
                    for (ResourceTable t : List.of(layout.current(), layout.history())) {
                        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT " + q(t.idColumn()) + " FROM "
                                + table(t, e.getKey()) + " WHERE " + typeAnd(t.typeColumn())
                                + dialect.inPredicate(q(t.idColumn()), ids.size()))) {
                            dialect.bindIn(c, ps, bindType(ps, 1, t.typeColumn(), e.getKey()), ids);
                            collectIds(ps, e.getKey(), hit);
                        }
                    }
                }
            }
            return hit;
        });
        return ResourceKeys.inBatchOrder(keys, found);
    }

    /**
     * Which keys of a batch spanning several types have a current or history row, in one statement per chunk of
     * key pairs (a {@code UNION} over the shared current and history tables) instead of two per type: the engine
     * verifies every erased batch with it.
     */
    private Set<ResourceKey> existingAcrossTypes(Connection c, Map<String, List<String>> byType) throws SQLException {
        KeyPairs pairs = KeyPairs.of(byType);
        StringBuilder s = new StringBuilder();
        for (ResourceTable t : List.of(layout.current(), layout.history())) {
            s.append(s.length() == 0 ? "" : " UNION ").append("SELECT ").append(q(t.typeColumn())).append(", ")
                    .append(q(t.idColumn())).append(" FROM ").append(table(t, pairs.types().get(0))).append(" WHERE ")
                    .append(dialect.keyPairPredicate(q(t.idColumn()), q(t.typeColumn())));
        }
        Set<ResourceKey> hit = new HashSet<>();
        for (KeyPairs chunk : pairs.chunks(dialect.maxInListSize())) {
            try (PreparedStatement ps = c.prepareStatement(s.toString())) {
                int i = dialect.bindKeyPairs(c, ps, 1, chunk.ids(), chunk.types());
                dialect.bindKeyPairs(c, ps, i, chunk.ids(), chunk.types());
                collectKeys(ps, hit);
            }
        }
        return hit;
    }

    /** Key pairs in two parallel lists, as {@link JdbcDialect#bindKeyPairs} takes them. */
    private record KeyPairs(List<String> ids, List<String> types) {

        static KeyPairs of(Map<String, List<String>> byType) {
            List<String> ids = new ArrayList<>();
            List<String> types = new ArrayList<>();
            byType.forEach((type, typeIds) -> typeIds.forEach(id -> {
                ids.add(id);
                types.add(type);
            }));
            return new KeyPairs(ids, types);
        }

        List<KeyPairs> chunks(int max) {
            List<List<String>> idChunks = ResourceKeys.chunks(ids, max);
            List<List<String>> typeChunks = ResourceKeys.chunks(types, max);
            List<KeyPairs> chunks = new ArrayList<>(idChunks.size());
            for (int i = 0; i < idChunks.size(); i++) {
                chunks.add(new KeyPairs(idChunks.get(i), typeChunks.get(i)));
            }
            return chunks;
        }
    }

    @Override
    public List<IndexedReference> findReferrers(Collection<ResourceKey> targets, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1, was " + limit);
        }
        Map<String, List<String>> byType = ResourceKeys.groupByType(targets);
        if (byType.isEmpty()) {
            return List.of();
        }
        ReferenceTable r = layout.references();
        return sql.read("find referrers", c -> {
            StringBuilder s = new StringBuilder("SELECT ").append(q(r.sourceTypeColumn())).append(", ")
                    .append(q(r.sourceIdColumn())).append(", ").append(q(r.paramColumn())).append(", ")
                    .append(q(r.targetTypeColumn())).append(", ").append(q(r.targetIdColumn())).append(" FROM ")
                    .append(q(r.table())).append(" WHERE (");
            boolean first = true;
            for (Map.Entry<String, List<String>> e : byType.entrySet()) {
                s.append(first ? "(" : " OR (").append(q(r.targetTypeColumn())).append(" = ? AND ")
                        .append(dialect.inPredicate(q(r.targetIdColumn()), e.getValue().size())).append(')');
                first = false;
            }
            s.append(')');
            for (Map.Entry<String, List<String>> e : byType.entrySet()) {
                s.append(" AND NOT (").append(q(r.sourceTypeColumn())).append(" = ? AND ")
                        .append(dialect.inPredicate(q(r.sourceIdColumn()), e.getValue().size())).append(')');
            }
            s.append(" ORDER BY 1, 2, 3, 4, 5").append(dialect.limitClause());
            try (PreparedStatement ps = c.prepareStatement(s.toString())) {
                int i = 1;
                for (int pass = 0; pass < 2; pass++) {
                    for (Map.Entry<String, List<String>> e : byType.entrySet()) {
                        ps.setString(i++, e.getKey());
                        i = dialect.bindIn(c, ps, i, e.getValue());
                    }
                }
                ps.setInt(i, limit);
                List<IndexedReference> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new IndexedReference(ResourceKey.of(rs.getString(1), rs.getString(2)),
                                rs.getString(3), ResourceKey.of(rs.getString(4), rs.getString(5))));
                    }
                }
                return rows;
            }
        });
    }

    // ------------------------------------------------------------------------------------------------ erasing

    @Override
    public List<ResourceKey> hardDelete(Collection<ResourceKey> batch) {
        Map<String, List<String>> byType = ResourceKeys.groupByType(batch);
        if (byType.isEmpty()) {
            return List.of();
        }
        if (dialect.supportsKeyPairs() && dialect.supportsDeleteInCte() && everyTableShared()) {
            return ResourceKeys.inBatchOrder(batch, sql.inTransaction("hard delete of " + batch.size()
                    + " resources", c -> deleteInOneStatement(c, byType)));
        }
        Set<ResourceKey> erased = sql.inTransaction("hard delete of " + batch.size() + " resources", c -> {
            Set<ResourceKey> touched = new HashSet<>();
            ReferenceTable r = layout.references();
            deleteAll(c, byType, type -> q(r.table()), r.sourceTypeColumn(), r.sourceIdColumn(), touched);
            for (IndexTable x : layout.extraIndexTables()) {
                deleteAll(c, byType, type -> q(x.tableFor(type)), x.typeColumn(), x.idColumn(), touched);
            }
            ResourceTable h = layout.history();
            deleteAll(c, byType, type -> table(h, type), h.typeColumn(), h.idColumn(), touched);
            ResourceTable cur = layout.current();
            deleteAll(c, byType, type -> table(cur, type), cur.typeColumn(), cur.idColumn(), touched);
            return touched;
        });
        return ResourceKeys.inBatchOrder(batch, erased);
    }

    /** Whether every table of the layout holds all types (has a type column), as the reference table does. */
    private boolean everyTableShared() {
        return layout.current().typeColumn() != null && layout.history().typeColumn() != null
                && layout.extraIndexTables().stream().allMatch(x -> x.typeColumn() != null);
    }

    /**
     * Deletes a batch's rows from every table in one statement per chunk of key pairs: the pairs are bound once as a
     * common table expression, each table's {@code DELETE ... RETURNING} is another, and the union of what they
     * return is the keys that had rows.
     */
    private Set<ResourceKey> deleteInOneStatement(Connection c, Map<String, List<String>> byType)
            throws SQLException {
        KeyPairs pairs = KeyPairs.of(byType);
        String anyType = pairs.types().get(0);
        List<String[]> tables = new ArrayList<>();
        ReferenceTable r = layout.references();
        tables.add(new String[] {q(r.table()), q(r.sourceTypeColumn()), q(r.sourceIdColumn())});
        for (IndexTable x : layout.extraIndexTables()) {
            tables.add(new String[] {q(x.tableFor(anyType)), q(x.typeColumn()), q(x.idColumn())});
        }
        for (ResourceTable t : List.of(layout.history(), layout.current())) {
            tables.add(new String[] {table(t, anyType), q(t.typeColumn()), q(t.idColumn())});
        }
        StringBuilder s = new StringBuilder("WITH k (i, t) AS (").append(dialect.keyPairRows()).append(')');
        StringBuilder union = new StringBuilder();
        for (int n = 0; n < tables.size(); n++) {
            String[] t = tables.get(n);
            s.append(", d").append(n).append(" AS (DELETE FROM ").append(t[0]).append(" WHERE (").append(t[2])
                    .append(", ").append(t[1]).append(") IN (SELECT i, t FROM k) RETURNING ").append(t[1])
                    .append(" AS t, ").append(t[2]).append(" AS i)");
            union.append(n == 0 ? " SELECT t, i FROM d0" : " UNION SELECT t, i FROM d" + n);
        }
        s.append(union);
        Set<ResourceKey> touched = new HashSet<>();
        for (KeyPairs chunk : pairs.chunks(dialect.maxInListSize())) {
            try (PreparedStatement ps = c.prepareStatement(s.toString())) {
                dialect.bindKeyPairs(c, ps, 1, chunk.ids(), chunk.types());
                collectKeys(ps, touched);
            }
        }
        return touched;
    }

    /**
     * Deletes the rows of a batch from one kind of table: a table shared by all types (it has a type column) in one
     * statement per chunk of key pairs where the dialect {@link JdbcDialect#supportsKeyPairs() matches pairs} and
     * returns what it deleted, else
     * one statement per type and chunk of ids.
     */
    private void deleteAll(Connection c, Map<String, List<String>> byType,
                           java.util.function.Function<String, String> quotedTableOf, String typeColumn,
                           String idColumn, Set<ResourceKey> touched) throws SQLException {
        if (typeColumn != null && dialect.supportsKeyPairs() && dialect.supportsDeleteReturning()
                && byType.size() > 1) {
            String table = quotedTableOf.apply(byType.keySet().iterator().next());
            String s = "DELETE FROM " + table + " WHERE " + dialect.keyPairPredicate(q(idColumn), q(typeColumn))
                    + " RETURNING " + q(typeColumn) + ", " + q(idColumn);
            for (KeyPairs chunk : KeyPairs.of(byType).chunks(dialect.maxInListSize())) {
                try (PreparedStatement ps = c.prepareStatement(s)) {
                    dialect.bindKeyPairs(c, ps, 1, chunk.ids(), chunk.types());
                    collectKeys(ps, touched);
                }
            }
            return;
        }
        for (Map.Entry<String, List<String>> e : byType.entrySet()) {
            for (List<String> ids : chunks(e.getValue())) {
                deleteRows(c, quotedTableOf.apply(e.getKey()), typeColumn, idColumn, e.getKey(), ids, touched);
            }
        }
    }

    /** Deletes a resource type's rows for some ids, adding the ids that had rows to {@code touched}. */
    private void deleteRows(Connection c, String quotedTable, String typeColumn, String idColumn, String type,
                            List<String> ids, Set<ResourceKey> touched) throws SQLException {
        String where = " WHERE " + typeAnd(typeColumn) + dialect.inPredicate(q(idColumn), ids.size());
        if (dialect.supportsDeleteReturning()) {
            String s = "DELETE FROM " + quotedTable + where + " RETURNING " + q(idColumn);
            try (PreparedStatement ps = c.prepareStatement(s)) {
                dialect.bindIn(c, ps, bindType(ps, 1, typeColumn, type), ids);
                collectIds(ps, type, touched);
            }
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT " + q(idColumn) + " FROM " + quotedTable
                + where)) {
            dialect.bindIn(c, ps, bindType(ps, 1, typeColumn, type), ids);
            collectIds(ps, type, touched);
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + quotedTable + where)) {
            dialect.bindIn(c, ps, bindType(ps, 1, typeColumn, type), ids);
            ps.executeUpdate();
        }
    }

    /** Adds the (type, id) keys of a result's first two columns to {@code into}. */
    private static void collectKeys(PreparedStatement ps, Set<ResourceKey> into) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                into.add(ResourceKey.of(rs.getString(1), rs.getString(2)));
            }
        }
    }

    private static void collectIds(PreparedStatement ps, String type, Set<ResourceKey> into) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                into.add(ResourceKey.of(type, rs.getString(1)));
            }
        }
    }

    @Override
    public List<ResourceKey> softDelete(Collection<ResourceKey> batch, Instant at) {
        Objects.requireNonNull(at, "at");
        Map<String, List<String>> byType = ResourceKeys.groupByType(batch);
        if (byType.isEmpty()) {
            return List.of();
        }
        Set<ResourceKey> deleted = sql.inTransaction("soft delete of " + batch.size() + " resources", c -> {
            Set<ResourceKey> live = new HashSet<>();
            ResourceTable cur = layout.current();
            for (Map.Entry<String, List<String>> e : byType.entrySet()) {
                String type = e.getKey();
                for (List<String> ids : chunks(e.getValue())) {
                    String where = " WHERE " + typeAnd(cur.typeColumn())
                            + dialect.inPredicate(q(cur.idColumn()), ids.size()) + " AND " + q(cur.deletedColumn())
                            + " = ?";
                    List<String> liveIds = new ArrayList<>();
                    try (PreparedStatement ps = c.prepareStatement("SELECT " + q(cur.idColumn()) + " FROM "
                            + table(cur, type) + where + " FOR UPDATE")) {
                        int i = dialect.bindIn(c, ps, bindType(ps, 1, cur.typeColumn(), type), ids);
                        ps.setBoolean(i, false);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                liveIds.add(rs.getString(1));
                            }
                        }
                    }
                    if (liveIds.isEmpty()) {
                        continue;
                    }
                    copyToHistory(c, type, liveIds);
                    String update = "UPDATE " + table(cur, type) + " SET " + q(cur.versionColumn()) + " = "
                            + q(cur.versionColumn()) + " + 1, " + q(cur.deletedColumn()) + " = ?, "
                            + q(cur.lastUpdatedColumn()) + " = ?, " + q(cur.contentColumn()) + " = NULL WHERE "
                            + typeAnd(cur.typeColumn()) + dialect.inPredicate(q(cur.idColumn()), liveIds.size());
                    try (PreparedStatement ps = c.prepareStatement(update)) {
                        ps.setBoolean(1, true);
                        ps.setLong(2, micros(at));
                        dialect.bindIn(c, ps, bindType(ps, 3, cur.typeColumn(), type), liveIds);
                        ps.executeUpdate();
                    }
                    if (layout.search() != null) {
                        // A tombstone is never searched; its names, identifiers and dates are not kept.
                        var st = layout.search();
                        deleteRows(c, q(st.strings().table()), st.strings().typeColumn(), st.strings().idColumn(),
                                type, liveIds, new HashSet<>());
                        deleteRows(c, q(st.tokens().table()), st.tokens().typeColumn(), st.tokens().idColumn(), type,
                                liveIds, new HashSet<>());
                        deleteRows(c, q(st.dates().table()), st.dates().typeColumn(), st.dates().idColumn(), type,
                                liveIds, new HashSet<>());
                    }
                    for (String id : liveIds) {
                        live.add(ResourceKey.of(type, id));
                    }
                }
            }
            return live;
        });
        return ResourceKeys.inBatchOrder(batch, deleted);
    }

    /** Copies the current rows of some resources into the history table. */
    private void copyToHistory(Connection c, String type, List<String> ids) throws SQLException {
        ResourceTable cur = layout.current();
        ResourceTable h = layout.history();
        StringBuilder s = new StringBuilder("INSERT INTO ").append(table(h, type)).append(" (");
        if (h.typeColumn() != null) {
            s.append(q(h.typeColumn())).append(", ");
        }
        s.append(q(h.idColumn())).append(", ").append(q(h.versionColumn())).append(", ")
                .append(q(h.deletedColumn())).append(", ").append(q(h.lastUpdatedColumn())).append(", ")
                .append(q(h.contentColumn())).append(") SELECT ");
        if (h.typeColumn() != null) {
            s.append(cur.typeColumn() != null ? q(cur.typeColumn()) : "?").append(", ");
        }
        s.append(q(cur.idColumn())).append(", ").append(q(cur.versionColumn())).append(", ")
                .append(q(cur.deletedColumn())).append(", ").append(q(cur.lastUpdatedColumn())).append(", ")
                .append(q(cur.contentColumn())).append(" FROM ").append(table(cur, type)).append(" WHERE ")
                .append(typeAnd(cur.typeColumn())).append(dialect.inPredicate(q(cur.idColumn()), ids.size()));
        try (PreparedStatement ps = c.prepareStatement(s.toString())) {
            int i = 1;
            if (h.typeColumn() != null && cur.typeColumn() == null) {
                ps.setString(i++, type);
            }
            dialect.bindIn(c, ps, bindType(ps, i, cur.typeColumn(), type), ids);
            ps.executeUpdate();
        }
    }

    @Override
    public List<ResourceKey> purgeHistory(Collection<ResourceKey> batch) {
        Map<String, List<String>> byType = ResourceKeys.groupByType(batch);
        if (byType.isEmpty()) {
            return List.of();
        }
        Set<ResourceKey> purged = sql.inTransaction("purge history of " + batch.size() + " resources", c -> {
            Set<ResourceKey> touched = new HashSet<>();
            ResourceTable h = layout.history();
            for (Map.Entry<String, List<String>> e : byType.entrySet()) {
                for (List<String> ids : chunks(e.getValue())) {
                    deleteRows(c, table(h, e.getKey()), h.typeColumn(), h.idColumn(), e.getKey(), ids, touched);
                }
            }
            return touched;
        });
        return ResourceKeys.inBatchOrder(batch, purged);
    }

    // ------------------------------------------------------------------------------------------------ writing

    @Override
    public List<Long> write(List<ResourceWrite> writes) {
        if (writes.isEmpty()) {
            return List.of();
        }
        return sql.inTransaction("write of " + writes.size() + " resources", c -> {
            List<Long> versions = new ArrayList<>(writes.size());
            List<ResourceWrite> segment = new ArrayList<>();
            Set<ResourceKey> inSegment = new HashSet<>();
            for (ResourceWrite w : writes) {
                if (!inSegment.add(w.key())) {
                    versions.addAll(writeSegment(c, segment));
                    segment.clear();
                    inSegment.clear();
                    inSegment.add(w.key());
                }
                segment.add(w);
            }
            versions.addAll(writeSegment(c, segment));
            return versions;
        });
    }

    /** Writes versions of distinct resources, a handful of batched statements per resource type. */
    private List<Long> writeSegment(Connection c, List<ResourceWrite> writes) throws SQLException {
        Map<ResourceKey, Long> versionOf = new HashMap<>();
        Map<String, List<ResourceWrite>> byType = new LinkedHashMap<>();
        for (ResourceWrite w : writes) {
            byType.computeIfAbsent(w.key().type(), t -> new ArrayList<>()).add(w);
        }
        for (Map.Entry<String, List<ResourceWrite>> e : byType.entrySet()) {
            String type = e.getKey();
            List<String> ids = e.getValue().stream().map(w -> w.key().id()).toList();
            Map<String, Long> current = new HashMap<>();
            Map<String, Long> highestPast = new HashMap<>();
            for (List<String> chunk : chunks(ids)) {
                current.putAll(versions(c, layout.current(), type, chunk, true));
            }
            List<String> fresh = ids.stream().filter(id -> !current.containsKey(id)).toList();
            for (List<String> chunk : chunks(fresh)) {
                highestPast.putAll(versions(c, layout.history(), type, chunk, false));
            }
            List<String> existing = ids.stream().filter(current::containsKey).toList();
            for (List<String> chunk : chunks(existing)) {
                copyToHistory(c, type, chunk);
            }
            List<ResourceWrite> inserts = new ArrayList<>();
            List<ResourceWrite> updates = new ArrayList<>();
            for (ResourceWrite w : e.getValue()) {
                String id = w.key().id();
                long version = current.containsKey(id) ? current.get(id) + 1 : highestPast.getOrDefault(id, 0L) + 1;
                versionOf.put(w.key(), version);
                (current.containsKey(id) ? updates : inserts).add(w);
            }
            insertCurrent(c, type, inserts, versionOf);
            updateCurrent(c, type, updates, versionOf);
            for (List<String> chunk : chunks(existing)) {
                ReferenceTable r = layout.references();
                deleteRows(c, q(r.table()), r.sourceTypeColumn(), r.sourceIdColumn(), type, chunk, new HashSet<>());
                SearchTables st = layout.search();
                if (st != null) {
                    deleteRows(c, q(st.strings().table()), st.strings().typeColumn(), st.strings().idColumn(), type,
                            chunk, new HashSet<>());
                    deleteRows(c, q(st.tokens().table()), st.tokens().typeColumn(), st.tokens().idColumn(), type,
                            chunk, new HashSet<>());
                    deleteRows(c, q(st.dates().table()), st.dates().typeColumn(), st.dates().idColumn(), type,
                            chunk, new HashSet<>());
                }
            }
        }
        insertReferences(c, writes);
        if (layout.search() != null) {
            insertSearchIndex(c, writes);
        }
        List<Long> result = new ArrayList<>(writes.size());
        for (ResourceWrite w : writes) {
            result.add(versionOf.get(w.key()));
        }
        return result;
    }

    /** The highest version per id in a table; locks current rows. */
    private Map<String, Long> versions(Connection c, ResourceTable t, String type, List<String> ids, boolean lock)
            throws SQLException {
        String s = "SELECT " + q(t.idColumn()) + ", MAX(" + q(t.versionColumn()) + ") FROM " + table(t, type)
                + " WHERE " + typeAnd(t.typeColumn()) + dialect.inPredicate(q(t.idColumn()), ids.size())
                + " GROUP BY " + q(t.idColumn());
        if (lock) {
            s = "SELECT " + q(t.idColumn()) + ", " + q(t.versionColumn()) + " FROM " + table(t, type) + " WHERE "
                    + typeAnd(t.typeColumn()) + dialect.inPredicate(q(t.idColumn()), ids.size()) + " FOR UPDATE";
        }
        Map<String, Long> result = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(s)) {
            dialect.bindIn(c, ps, bindType(ps, 1, t.typeColumn(), type), ids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return result;
    }

    private void insertCurrent(Connection c, String type, List<ResourceWrite> writes, Map<ResourceKey, Long> versions)
            throws SQLException {
        if (writes.isEmpty()) {
            return;
        }
        ResourceTable t = layout.current();
        StringBuilder s = new StringBuilder("INSERT INTO ").append(table(t, type)).append(" (");
        if (t.typeColumn() != null) {
            s.append(q(t.typeColumn())).append(", ");
        }
        s.append(q(t.idColumn())).append(", ").append(q(t.versionColumn())).append(", ").append(q(t.deletedColumn()))
                .append(", ").append(q(t.lastUpdatedColumn())).append(", ").append(q(t.contentColumn()))
                .append(") VALUES (").append(t.typeColumn() != null ? "?, " : "").append("?, ?, ?, ?, ?)");
        try (PreparedStatement ps = c.prepareStatement(s.toString())) {
            for (ResourceWrite w : writes) {
                int i = bindType(ps, 1, t.typeColumn(), type);
                ps.setString(i++, w.key().id());
                ps.setLong(i++, versions.get(w.key()));
                ps.setBoolean(i++, false);
                ps.setLong(i++, micros(w.lastUpdated()));
                ps.setString(i, w.json());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void updateCurrent(Connection c, String type, List<ResourceWrite> writes, Map<ResourceKey, Long> versions)
            throws SQLException {
        if (writes.isEmpty()) {
            return;
        }
        ResourceTable t = layout.current();
        String s = "UPDATE " + table(t, type) + " SET " + q(t.versionColumn()) + " = ?, " + q(t.deletedColumn())
                + " = ?, " + q(t.lastUpdatedColumn()) + " = ?, " + q(t.contentColumn()) + " = ? WHERE "
                + typeAnd(t.typeColumn()) + q(t.idColumn()) + " = ?";
        try (PreparedStatement ps = c.prepareStatement(s)) {
            for (ResourceWrite w : writes) {
                ps.setLong(1, versions.get(w.key()));
                ps.setBoolean(2, false);
                ps.setLong(3, micros(w.lastUpdated()));
                ps.setString(4, w.json());
                int i = bindType(ps, 5, t.typeColumn(), type);
                ps.setString(i, w.key().id());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void insertReferences(Connection c, List<ResourceWrite> writes) throws SQLException {
        ReferenceTable r = layout.references();
        String s = "INSERT INTO " + q(r.table()) + " (" + q(r.sourceTypeColumn()) + ", " + q(r.sourceIdColumn())
                + ", " + q(r.paramColumn()) + ", " + q(r.targetTypeColumn()) + ", " + q(r.targetIdColumn())
                + ") VALUES (?, ?, ?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(s)) {
            int pending = 0;
            for (ResourceWrite w : writes) {
                for (IndexedReference ref : new LinkedHashSet<>(w.references())) {
                    ps.setString(1, ref.source().type());
                    ps.setString(2, ref.source().id());
                    ps.setString(3, ref.paramName());
                    ps.setString(4, ref.target().type());
                    ps.setString(5, ref.target().id());
                    ps.addBatch();
                    if (++pending == 1000) {
                        ps.executeBatch();
                        pending = 0;
                    }
                }
            }
            if (pending > 0) {
                ps.executeBatch();
            }
        }
    }

    /** Inserts the string, token and date index rows of the versions, three batched statements. */
    private void insertSearchIndex(Connection c, List<ResourceWrite> writes) throws SQLException {
        SearchTables st = layout.search();
        var strings = st.strings();
        var tokens = st.tokens();
        var dates = st.dates();
        String insertString = "INSERT INTO " + q(strings.table()) + " (" + q(strings.idColumn()) + ", "
                + q(strings.typeColumn()) + ", " + q(strings.paramColumn()) + ", " + q(strings.normalizedColumn())
                + ", " + q(strings.exactColumn()) + ") VALUES (?, ?, ?, ?, ?)";
        String insertToken = "INSERT INTO " + q(tokens.table()) + " (" + q(tokens.idColumn()) + ", "
                + q(tokens.typeColumn()) + ", " + q(tokens.paramColumn()) + ", " + q(tokens.systemColumn()) + ", "
                + q(tokens.codeColumn()) + ") VALUES (?, ?, ?, ?, ?)";
        String insertDate = "INSERT INTO " + q(dates.table()) + " (" + q(dates.idColumn()) + ", "
                + q(dates.typeColumn()) + ", " + q(dates.paramColumn()) + ", " + q(dates.lowColumn()) + ", "
                + q(dates.highColumn()) + ") VALUES (?, ?, ?, ?, ?)";
        try (Batch s = new Batch(c.prepareStatement(insertString));
             Batch t = new Batch(c.prepareStatement(insertToken));
             Batch d = new Batch(c.prepareStatement(insertDate))) {
            for (ResourceWrite w : writes) {
                for (IndexEntry e : new LinkedHashSet<>(w.searchIndex())) {
                    if (!fitsIndex(e)) {
                        continue;
                    }
                    Batch b = e instanceof IndexEntry.StringEntry ? s : e instanceof IndexEntry.TokenEntry ? t : d;
                    PreparedStatement ps = b.statement;
                    ps.setString(1, w.key().id());
                    ps.setString(2, w.key().type());
                    ps.setString(3, e.paramName());
                    if (e instanceof IndexEntry.StringEntry se) {
                        ps.setString(4, se.normalized());
                        ps.setString(5, se.exact());
                    } else if (e instanceof IndexEntry.TokenEntry te) {
                        if (te.system() == null) {
                            ps.setNull(4, java.sql.Types.VARCHAR);
                        } else {
                            ps.setString(4, te.system());
                        }
                        ps.setString(5, te.code());
                    } else if (e instanceof IndexEntry.DateEntry de) {
                        ps.setLong(4, indexMicros(de.low()));
                        ps.setLong(5, indexMicros(de.high()));
                    }
                    b.add();
                }
            }
            s.flush();
            t.flush();
            d.flush();
        }
    }

    /** The widest value the index columns hold (VARCHAR(512), so MariaDB's index keys fit). */
    private static final int MAX_INDEXED_LENGTH = 512;

    /**
     * Whether an entry fits the index columns. A longer value is not indexed rather than truncated: a truncated
     * value could match an {@code :exact} or token search it does not equal, and a bulk delete must never select
     * more than its criteria say; such a resource is simply not found by searches on that value.
     */
    private static boolean fitsIndex(IndexEntry e) {
        if (e instanceof IndexEntry.StringEntry se) {
            return se.exact().length() <= MAX_INDEXED_LENGTH && se.normalized().length() <= MAX_INDEXED_LENGTH;
        }
        if (e instanceof IndexEntry.TokenEntry te) {
            return te.code().length() <= MAX_INDEXED_LENGTH
                    && (te.system() == null || te.system().length() <= MAX_INDEXED_LENGTH);
        }
        return true;
    }

    /** A batched statement executed every 1000 rows. */
    private static final class Batch implements AutoCloseable {
        private final PreparedStatement statement;
        private int pending;

        Batch(PreparedStatement statement) {
            this.statement = statement;
        }

        void add() throws SQLException {
            statement.addBatch();
            if (++pending == 1000) {
                flush();
            }
        }

        void flush() throws SQLException {
            if (pending > 0) {
                statement.executeBatch();
                pending = 0;
            }
        }

        @Override
        public void close() throws SQLException {
            statement.close();
        }
    }

    /** Epoch microseconds of an index bound; {@link Instant#MIN}/{@link Instant#MAX} (and beyond) saturate. */
    static long indexMicros(Instant at) {
        if (at.equals(Instant.MIN)) {
            return Long.MIN_VALUE;
        }
        if (at.equals(Instant.MAX)) {
            return Long.MAX_VALUE;
        }
        try {
            return micros(at);
        } catch (ArithmeticException e) {
            return at.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    // ------------------------------------------------------------------------------------------------ searching

    @Override
    public SearchSupport support() {
        return layout.search() != null ? SearchSupport.full() : new SearchSupport(Set.of(), Set.of(), false);
    }

    @Override
    public ResourcePage search(SearchCriteria criteria, Instant notAfter, String pageToken, int limit) {
        Objects.requireNonNull(criteria, "criteria");
        Objects.requireNonNull(notAfter, "notAfter");
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1, was " + limit);
        }
        String after = null;
        if (pageToken != null) {
            if (!pageToken.startsWith(SEARCH_CURSOR)) {
                throw new IllegalArgumentException("Not a search page token of this store: '" + pageToken + "'");
            }
            after = pageToken.substring(SEARCH_CURSOR.length());
        }
        SearchQuery query = searchQuery(criteria, notAfter, after);
        ResourceTable cur = layout.current();
        String s = "SELECT r0." + q(cur.idColumn()) + query.fromWhere + " ORDER BY r0." + q(cur.idColumn())
                + dialect.limitClause();
        return sql.read("search " + criteria.resourceType(), c -> {
            List<ResourceKey> items = new ArrayList<>(limit);
            boolean more = false;
            try (PreparedStatement ps = c.prepareStatement(s)) {
                int i = query.bind(ps);
                ps.setInt(i, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (items.size() == limit) {
                            more = true;
                            break;
                        }
                        items.add(ResourceKey.of(criteria.resourceType(), rs.getString(1)));
                    }
                }
            }
            String next = more ? SEARCH_CURSOR + items.get(items.size() - 1).id() : null;
            return new ResourcePage(items, next);
        });
    }

    @Override
    public long count(SearchCriteria criteria, Instant notAfter) {
        Objects.requireNonNull(criteria, "criteria");
        Objects.requireNonNull(notAfter, "notAfter");
        SearchQuery query = searchQuery(criteria, notAfter, null);
        return sql.read("count search " + criteria.resourceType(), c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*)" + query.fromWhere)) {
                query.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** A search's {@code FROM ... WHERE ...} and its parameters, in order. */
    private record SearchQuery(String fromWhere, List<Object> params) {

        int bind(PreparedStatement ps) throws SQLException {
            int i = 1;
            for (Object p : params) {
                if (p instanceof String v) {
                    ps.setString(i++, v);
                } else if (p instanceof Long v) {
                    ps.setLong(i++, v);
                } else if (p instanceof Boolean v) {
                    ps.setBoolean(i++, v);
                } else {
                    throw new IllegalStateException("Unexpected parameter " + p);
                }
            }
            return i;
        }
    }

    private SearchQuery searchQuery(SearchCriteria criteria, Instant notAfter, String afterId) {
        if (layout.search() == null) {
            throw new UnsupportedOperationException("This store's layout has no search index tables: it cannot "
                    + "search (see JdbcLayout.search)");
        }
        String type = criteria.resourceType();
        ResourceTable cur = layout.current();
        List<Object> params = new ArrayList<>();
        StringBuilder s = new StringBuilder(" FROM ").append(table(cur, type)).append(" r0 WHERE ");
        if (cur.typeColumn() != null) {
            s.append("r0.").append(q(cur.typeColumn())).append(" = ? AND ");
            params.add(type);
        }
        s.append("r0.").append(q(cur.deletedColumn())).append(" = ? AND r0.").append(q(cur.lastUpdatedColumn()))
                .append(" <= ?");
        params.add(false);
        params.add(indexMicros(notAfter));
        if (afterId != null) {
            s.append(" AND r0.").append(q(cur.idColumn())).append(" > ?");
            params.add(afterId);
        }
        int[] alias = {0};
        for (SearchCriterion criterion : criteria.allOf()) {
            s.append(" AND ");
            if (criterion.isChained()) {
                appendChain(s, params, alias, type, criterion);
            } else {
                appendMatch(s, params, alias, "r0", type, criterion.parameter(), criterion.type(),
                        criterion.anyOf());
            }
        }
        return new SearchQuery(s.toString(), params);
    }

    /** {@code EXISTS} a reference row of the parameter to a live resource of the chain's type that matches. */
    private void appendChain(StringBuilder s, List<Object> params, int[] alias, String type, SearchCriterion cr) {
        ReferenceTable r = layout.references();
        ResourceTable cur = layout.current();
        String x = "x" + (++alias[0]);
        String t = "r" + (++alias[0]);
        s.append("EXISTS (SELECT 1 FROM ").append(q(r.table())).append(' ').append(x).append(" JOIN ")
                .append(table(cur, cr.chainType())).append(' ').append(t).append(" ON ");
        if (cur.typeColumn() != null) {
            s.append(t).append('.').append(q(cur.typeColumn())).append(" = ").append(x).append('.')
                    .append(q(r.targetTypeColumn())).append(" AND ");
        }
        s.append(t).append('.').append(q(cur.idColumn())).append(" = ").append(x).append('.')
                .append(q(r.targetIdColumn())).append(" WHERE ").append(x).append('.').append(q(r.sourceTypeColumn()))
                .append(" = ? AND ").append(x).append('.').append(q(r.sourceIdColumn())).append(" = r0.")
                .append(q(cur.idColumn())).append(" AND ").append(x).append('.').append(q(r.paramColumn()))
                .append(" = ? AND ").append(x).append('.').append(q(r.targetTypeColumn())).append(" = ? AND ")
                .append(t).append('.').append(q(cur.deletedColumn())).append(" = ? AND ");
        params.add(type);
        params.add(cr.parameter());
        params.add(cr.chainType());
        params.add(false);
        appendMatch(s, params, alias, t, cr.chainType(), cr.chainParameter(), cr.valueType(), cr.anyOf());
        s.append(')');
    }

    /**
     * The condition that a current row ({@code row}, of {@code type}) matches any of the values of a parameter.
     */
    private void appendMatch(StringBuilder s, List<Object> params, int[] alias, String row, String type,
                             String param, SearchParamType valueType, List<SearchValue> values) {
        ResourceTable cur = layout.current();
        String rowId = row + "." + q(cur.idColumn());
        switch (valueType) {
            case ID -> {
                s.append(rowId).append(" IN (");
                for (int i = 0; i < values.size(); i++) {
                    s.append(i == 0 ? "?" : ", ?");
                    params.add(((SearchValue.IdValue) values.get(i)).id());
                }
                s.append(')');
            }
            case LAST_UPDATED -> {
                String lu = row + "." + q(cur.lastUpdatedColumn());
                s.append('(');
                for (int i = 0; i < values.size(); i++) {
                    s.append(i == 0 ? "" : " OR ");
                    appendDate(s, params, lu, "(" + lu + " + 1)", (SearchValue.DateValue) values.get(i));
                }
                s.append(')');
            }
            case REFERENCE -> {
                ReferenceTable r = layout.references();
                String x = "x" + (++alias[0]);
                s.append("EXISTS (SELECT 1 FROM ").append(q(r.table())).append(' ').append(x).append(" WHERE ")
                        .append(x).append('.').append(q(r.sourceTypeColumn())).append(" = ? AND ").append(x)
                        .append('.').append(q(r.sourceIdColumn())).append(" = ").append(rowId).append(" AND ")
                        .append(x).append('.').append(q(r.paramColumn())).append(" = ? AND (");
                params.add(type);
                params.add(param);
                for (int i = 0; i < values.size(); i++) {
                    SearchValue.ReferenceValue v = (SearchValue.ReferenceValue) values.get(i);
                    s.append(i == 0 ? "(" : " OR (").append(x).append('.').append(q(r.targetIdColumn()))
                            .append(" = ?");
                    params.add(v.id());
                    if (v.type() != null) {
                        s.append(" AND ").append(x).append('.').append(q(r.targetTypeColumn())).append(" = ?");
                        params.add(v.type());
                    }
                    s.append(')');
                }
                s.append("))");
            }
            case STRING -> {
                var st = layout.search().strings();
                String x = "x" + (++alias[0]);
                appendIndexExists(s, params, x, st.table(), st.typeColumn(), st.idColumn(), st.paramColumn(), rowId,
                        type, param);
                for (int i = 0; i < values.size(); i++) {
                    SearchValue.StringValue v = (SearchValue.StringValue) values.get(i);
                    s.append(i == 0 ? "" : " OR ");
                    switch (v.match()) {
                        case EXACT -> {
                            s.append('(').append(exactEquals(x + "." + q(st.exactColumn()))).append(')');
                            params.add(v.text());
                            params.add(v.text());
                        }
                        case STARTS_WITH -> {
                            s.append(x).append('.').append(q(st.normalizedColumn())).append(" LIKE ? ESCAPE '!'");
                            params.add(escapeLike(v.text()) + "%");
                        }
                        case CONTAINS -> {
                            s.append(x).append('.').append(q(st.normalizedColumn())).append(" LIKE ? ESCAPE '!'");
                            params.add("%" + escapeLike(v.text()) + "%");
                        }
                    }
                }
                s.append("))");
            }
            case TOKEN -> {
                var tt = layout.search().tokens();
                String x = "x" + (++alias[0]);
                appendIndexExists(s, params, x, tt.table(), tt.typeColumn(), tt.idColumn(), tt.paramColumn(), rowId,
                        type, param);
                for (int i = 0; i < values.size(); i++) {
                    SearchValue.TokenValue v = (SearchValue.TokenValue) values.get(i);
                    s.append(i == 0 ? "(" : " OR (");
                    boolean first = true;
                    if (v.code() != null) {
                        s.append(exactEquals(x + "." + q(tt.codeColumn())));
                        params.add(v.code());
                        params.add(v.code());
                        first = false;
                    }
                    if (v.system() != null) {
                        s.append(first ? "" : " AND ").append(x).append('.').append(q(tt.systemColumn()));
                        if (v.system().isEmpty()) {
                            s.append(" IS NULL");
                        } else {
                            s.append(" = ? AND CHAR_LENGTH(").append(x).append('.').append(q(tt.systemColumn()))
                                    .append(") = CHAR_LENGTH(?)");
                            params.add(v.system());
                            params.add(v.system());
                        }
                    }
                    s.append(')');
                }
                s.append("))");
            }
            case DATE -> {
                var dt = layout.search().dates();
                String x = "x" + (++alias[0]);
                appendIndexExists(s, params, x, dt.table(), dt.typeColumn(), dt.idColumn(), dt.paramColumn(), rowId,
                        type, param);
                for (int i = 0; i < values.size(); i++) {
                    s.append(i == 0 ? "" : " OR ");
                    appendDate(s, params, x + "." + q(dt.lowColumn()), x + "." + q(dt.highColumn()),
                            (SearchValue.DateValue) values.get(i));
                }
                s.append("))");
            }
            default -> throw new IllegalArgumentException("Unsupported parameter type " + valueType);
        }
    }

    /** {@code EXISTS (SELECT 1 FROM table x WHERE type = ? AND param = ? AND id = row AND (}, left open. */
    private void appendIndexExists(StringBuilder s, List<Object> params, String x, String table, String typeColumn,
                                   String idColumn, String paramColumn, String rowId, String type, String param) {
        s.append("EXISTS (SELECT 1 FROM ").append(q(table)).append(' ').append(x).append(" WHERE ").append(x)
                .append('.').append(q(typeColumn)).append(" = ? AND ").append(x).append('.').append(q(paramColumn))
                .append(" = ? AND ").append(x).append('.').append(q(idColumn)).append(" = ").append(rowId)
                .append(" AND (");
        params.add(type);
        params.add(param);
    }

    /**
     * Equality that holds only for equal strings: PAD SPACE collations (MariaDB's and MySQL's {@code _bin}) compare
     * {@code 'a'} and {@code 'a '} as equal, so the lengths are compared too. Binds the value twice.
     */
    private static String exactEquals(String column) {
        return column + " = ? AND CHAR_LENGTH(" + column + ") = CHAR_LENGTH(?)";
    }

    /**
     * Compares the indexed range {@code [low, high)} with the value's range {@code [vl, vh)} as the SPI defines
     * each prefix.
     */
    private static void appendDate(StringBuilder s, List<Object> params, String low, String high,
                                   SearchValue.DateValue v) {
        // Indexed bounds are whole microseconds (rounded down). A value bound compared with the low column is
        // rounded up and one compared with the high column rounded down, so no comparison is looser than exact.
        long vlLow = ceilMicros(v.low());
        long vhLow = ceilMicros(v.high());
        long vlHigh = indexMicros(v.low());
        long vhHigh = indexMicros(v.high());
        switch (v.prefix()) {
            case EQ, AP -> {
                s.append('(').append(low).append(" >= ? AND ").append(high).append(" <= ?)");
                params.add(vlLow);
                params.add(vhHigh);
            }
            case NE -> {
                s.append('(').append(low).append(" < ? OR ").append(high).append(" > ?)");
                params.add(vlLow);
                params.add(vhHigh);
            }
            case LT -> {
                s.append(low).append(" < ?");
                params.add(vlLow);
            }
            case GT -> {
                s.append(high).append(" > ?");
                params.add(vhHigh);
            }
            case LE -> {
                s.append(low).append(" < ?");
                params.add(vhLow);
            }
            case GE -> {
                s.append(high).append(" > ?");
                params.add(vlHigh);
            }
            case SA -> {
                s.append(low).append(" >= ?");
                params.add(vhLow);
            }
            case EB -> {
                s.append(high).append(" <= ?");
                params.add(vlHigh);
            }
            default -> throw new IllegalArgumentException("Unsupported date prefix " + v.prefix());
        }
    }

    /** Escapes {@code LIKE} wildcards and the escape character {@code !}: the text is matched literally. */
    static String escapeLike(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '!' || ch == '%' || ch == '_') {
                sb.append('!');
            }
            sb.append(ch);
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------------------------ reading

    @Override
    public Optional<StoredResource> read(ResourceKey key) {
        return sql.read("read " + key, c -> {
            List<StoredResource> rows = versionsOf(c, layout.current(), key, 1);
            return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
        });
    }

    @Override
    public List<StoredResource> history(ResourceKey key, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1, was " + limit);
        }
        return sql.read("read history of " + key, c -> {
            List<StoredResource> all = new ArrayList<>(versionsOf(c, layout.current(), key, 1));
            if (all.size() < limit) {
                all.addAll(versionsOf(c, layout.history(), key, limit - all.size()));
            }
            return all;
        });
    }

    private List<StoredResource> versionsOf(Connection c, ResourceTable t, ResourceKey key, int limit)
            throws SQLException {
        String s = "SELECT " + q(t.versionColumn()) + ", " + q(t.deletedColumn()) + ", " + q(t.lastUpdatedColumn())
                + ", " + q(t.contentColumn()) + " FROM " + table(t, key.type()) + " WHERE " + typeAnd(t.typeColumn())
                + q(t.idColumn()) + " = ? ORDER BY " + q(t.versionColumn()) + " DESC" + dialect.limitClause();
        try (PreparedStatement ps = c.prepareStatement(s)) {
            int i = bindType(ps, 1, t.typeColumn(), key.type());
            ps.setString(i++, key.id());
            ps.setInt(i, limit);
            List<StoredResource> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    boolean deleted = rs.getBoolean(2);
                    rows.add(new StoredResource(key, rs.getLong(1), instant(rs.getLong(3)), deleted,
                            rs.getString(4)));
                }
            }
            return rows;
        }
    }

    @Override
    public Footprint footprint(ResourceKey key) {
        return sql.read("footprint of " + key, c -> {
            ResourceTable cur = layout.current();
            ResourceTable h = layout.history();
            ReferenceTable r = layout.references();
            long current = countRows(c, table(cur, key.type()), cur.typeColumn(), cur.idColumn(), key);
            long history = countRows(c, table(h, key.type()), h.typeColumn(), h.idColumn(), key);
            long index = countRows(c, q(r.table()), r.sourceTypeColumn(), r.sourceIdColumn(), key);
            for (IndexTable x : layout.extraIndexTables()) {
                index += countRows(c, q(x.tableFor(key.type())), x.typeColumn(), x.idColumn(), key);
            }
            return new Footprint(current, history, index);
        });
    }

    private long countRows(Connection c, String quotedTable, String typeColumn, String idColumn, ResourceKey key)
            throws SQLException {
        String s = "SELECT COUNT(*) FROM " + quotedTable + " WHERE " + typeAnd(typeColumn) + q(idColumn) + " = ?";
        try (PreparedStatement ps = c.prepareStatement(s)) {
            int i = bindType(ps, 1, typeColumn, key.type());
            ps.setString(i, key.id());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private List<List<String>> chunks(List<String> ids) {
        return ResourceKeys.chunks(ids, dialect.maxInListSize());
    }

    /**
     * Epoch microseconds, rounded down. Computed from seconds so dates far from 1970 (a birthdate in 1500) do not
     * overflow, as {@code ChronoUnit.MICROS.between} does beyond about 292 years on Java 17.
     */
    static long micros(Instant at) {
        return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000);
    }

    /** Epoch microseconds, rounded up; saturating like {@link #indexMicros}. */
    private static long ceilMicros(Instant at) {
        long floor = indexMicros(at);
        return at.getNano() % 1_000 == 0 || floor == Long.MAX_VALUE ? floor : floor + 1;
    }

    static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }
}
