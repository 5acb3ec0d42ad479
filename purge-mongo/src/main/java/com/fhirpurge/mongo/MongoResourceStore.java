package com.fhirpurge.mongo;

import com.fhirpurge.mongo.MongoLayout.Membership;
import com.fhirpurge.mongo.internal.MongoCalls;
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
import com.fhirpurge.spi.SearchValue.DateValue;
import com.fhirpurge.spi.StoreException;
import com.fhirpurge.spi.StoredResource;
import com.mongodb.client.ClientSession;
import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertOneModel;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import com.mongodb.bulk.BulkWriteResult;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.json.JsonParseException;

/**
 * Every resource role of the SPI on MongoDB, in the collections a {@link MongoLayout} describes.
 *
 * <p><b>Finding.</b> The owner resource comes first, then the members of each member type in type order, each type
 * read from its collection in {@code _id} order with {@code _id > last} (keyset paging: the page token is the last
 * key, so a page costs the same wherever it starts and erased pages are never re-read). In
 * {@link Membership#RAW_JSON} a resource is a member when one of its type's element paths holds a
 * {@code reference} to the owner: {@code Patient/123}, {@code Patient/123/_history/N}, or an absolute
 * {@code <local base>/Patient/123} (optionally versioned) under one of the layout's local base URLs, never
 * {@code Patient/1234}, {@code Group/123} or another server's {@code Patient/123}. The exact form is an equality; the
 * versioned and absolute forms are anchored regular expressions in which the id is
 * escaped character by character, so an id is never pattern text. In {@link Membership#REFERENCE_FIELD} it is one
 * {@code $elemMatch} on the references field. {@link #findReferrers} answers from the references field in both
 * layouts (documents written without it, e.g. by a vendor's own server, have no referrers to report).
 *
 * <p><b>Erasing.</b> A batch is grouped by resource type and erased with one {@code deleteMany} per collection and
 * type with the ids as {@code $in}: history documents first, the current documents last (the current document
 * carries the references field, so its index entries go with it). With transactions the batch is atomic. Without
 * them (a standalone server) every step is idempotent and the order guarantees that a failure mid-batch leaves only
 * resources that are either untouched, fully erased, or still current with part of their history gone: never a
 * history or index entry without its current document, and nothing a retry of the same batch cannot finish. A soft
 * delete copies the current version into history (an upsert by history {@code _id}, idempotent) and then marks the
 * current document deleted with version + 1, guarded by the old version; the tombstone keeps its content and
 * references, so a later purge still finds it.
 *
 * <p><b>Writing.</b> One query per type and chunk finds the existing versions; the new history documents are
 * upserted, then the current documents are inserted or replaced (guarded by the version read) with unordered bulk
 * writes. Without transactions a concurrent write of the same resource makes the guard fail and the call throw a
 * transient {@link StoreException}. The FHIR JSON is stored with {@link Document#parse}: JSON numbers become BSON
 * numbers, so a decimal's trailing zeros ({@code 1.50}) are not kept.
 *
 * <p><b>Searching.</b> {@link #search} answers from the search index arrays the writer stores on the current
 * document (see {@link MongoLayout}) and the references field: one query on the type's current collection with the
 * live flag, the snapshot bound ({@code lastUpdated <= notAfter}) and one condition per criterion ({@code $and}),
 * each an {@code $or} over its values, each value an {@code $elemMatch} on the right array with the parameter name.
 * String matches are anchored ({@code ^}, starts-with) or unanchored ({@code :contains}) regular expressions on the
 * normalised value with the text escaped character by character, or an equality on the exact value; every id and
 * value is a BSON string or number, never an operator. Dates compare at microsecond precision. Pages are keyset
 * pages by {@code _id} (the token is the last id). A chain runs in two steps: the ids of the live resources of the
 * chain's type matching the chained condition are read in {@code _id} order, at most 10,000 at a
 * time, and become an {@code $in} on the references' targets. When they fit in one such chunk the search is one
 * query; otherwise the search runs once per chunk (per combination of chunks, with several large chains) and the
 * pages are merged: memory stays bounded by one chunk of target ids per chained criterion plus one page, at the cost
 * of one query per chunk per page, and a count then pages through the whole union.
 *
 * <p><b>Indexes.</b> Call {@link #ensureIndexes(CompartmentDefinition)} once at deployment.
 *
 * <p><b>Threading:</b> safe for concurrent use (the driver's client is). <b>Errors:</b> {@link StoreException}
 * carrying the server error code, transient for network errors, timeouts, elections and write conflicts.
 */
public final class MongoResourceStore implements ResourceFinder, ResourceEraser, ResourceWriter, ResourceReader,
        ResourceSearcher {

    private static final int CHUNK = 1000;
    private static final int CHAIN_CHUNK = 10_000;
    private static final String SEARCH_CURSOR = "s:";
    private static final String STR_PARAM = "p";
    private static final String STR_NORMALIZED = "n";
    private static final String STR_EXACT = "e";
    private static final String TOKEN_SYSTEM = "s";
    private static final String TOKEN_CODE = "c";
    private static final String DATE_LOW = "l";
    private static final String DATE_HIGH = "h";
    private static final String ID = "_id";
    private static final String REF_PARAM = "p";
    private static final String REF_TARGET = "t";
    private static final String HISTORY = "/_history/";
    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);
    private static final Comparator<IndexedReference> REFERENCE_ORDER = Comparator
            .comparing(IndexedReference::source).thenComparing(IndexedReference::paramName)
            .thenComparing(IndexedReference::target);

    /** MongoDB's order of strings (UTF-8 bytes, i.e. code points), not Java's UTF-16 order. */
    private static final Comparator<String> MONGO_STRING_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    private final MongoDatabase database;
    private final MongoLayout layout;
    private final MongoCalls calls;
    private final Set<String> reservedFields;
    private volatile int chainChunk = CHAIN_CHUNK;

    /**
     * Creates a store that never uses transactions: every batch runs as ordered, idempotent writes. Use this on a
     * standalone server, or when no client is at hand.
     *
     * @param database the database holding the collections
     * @param layout   where resources live
     */
    public MongoResourceStore(MongoDatabase database, MongoLayout layout) {
        this(null, Objects.requireNonNull(database, "database"), layout);
    }

    /**
     * Creates a store that runs each batch in a transaction when the deployment supports them (a replica set or a
     * sharded cluster, asked once with {@code hello} on first use), and as ordered, idempotent writes otherwise.
     *
     * @param client       the client
     * @param databaseName the database holding the collections
     * @param layout       where resources live
     */
    public MongoResourceStore(MongoClient client, String databaseName, MongoLayout layout) {
        this(Objects.requireNonNull(client, "client"),
                client.getDatabase(Objects.requireNonNull(databaseName, "databaseName")), layout);
    }

    private MongoResourceStore(MongoClient client, MongoDatabase database, MongoLayout layout) {
        this.database = database;
        this.layout = Objects.requireNonNull(layout, "layout");
        this.calls = new MongoCalls(client, database);
        this.reservedFields = Set.of(ID, layout.versionField(), layout.deletedField(), layout.lastUpdatedField(),
                layout.resourceIdField(), layout.referencesField(), layout.stringIndexField(),
                layout.tokenIndexField(), layout.dateIndexField());
    }

    /**
     * The layout this store works on.
     *
     * @return the layout
     */
    public MongoLayout layout() {
        return layout;
    }

    /**
     * Whether batches run in transactions (asks the server once).
     *
     * @return {@code true} on a replica set or sharded cluster reached through a client
     * @throws StoreException when the server cannot be asked
     */
    public boolean usesTransactions() {
        return calls.transactional();
    }

    /**
     * Creates the indexes the store's queries need; idempotent, safe to call on every start. On the current
     * collections of the compartment's member types and of every existing resource collection: the references
     * field ({@code <refs>.t, <refs>.p, _id}, multikey), and in {@link Membership#RAW_JSON} one index
     * {@code <path>.reference, _id} per element path of the compartment; for searches, one multikey index per search
     * index array ({@code <str>.p, <str>.n}, {@code <tok>.p, <tok>.c}, {@code <date>.p, <date>.l}). On the
     * matching history collections:
     * {@code <resourceId>, <version> desc}. Building an index on a large collection takes time and resources:
     * run it at deployment, not under load.
     *
     * @param definition the compartment whose membership queries are to be served
     * @throws StoreException when the server fails
     */
    public void ensureIndexes(CompartmentDefinition definition) {
        Objects.requireNonNull(definition, "definition");
        MongoCalls.call("ensure indexes", () -> {
            Set<String> types = new TreeSet<>(definition.members().keySet());
            types.add(definition.code());
            for (String name : database.listCollectionNames()) {
                String type = layout.typeOfCollection(name);
                if (type != null) {
                    types.add(type);
                }
            }
            String refs = layout.referencesField();
            for (String type : types) {
                MongoCollection<Document> cur = current(type);
                cur.createIndex(Indexes.ascending(refs + "." + REF_TARGET, refs + "." + REF_PARAM, ID));
                String str = layout.stringIndexField();
                String tok = layout.tokenIndexField();
                String date = layout.dateIndexField();
                cur.createIndex(Indexes.ascending(str + "." + STR_PARAM, str + "." + STR_NORMALIZED));
                cur.createIndex(Indexes.ascending(tok + "." + STR_PARAM, tok + "." + TOKEN_CODE));
                cur.createIndex(Indexes.ascending(date + "." + STR_PARAM, date + "." + DATE_LOW));
                if (layout.membership() == Membership.RAW_JSON) {
                    for (String path : pathsOf(definition.paramsOf(type))) {
                        cur.createIndex(Indexes.ascending(path + ".reference", ID));
                    }
                }
                history(type).createIndex(Indexes.compoundIndex(Indexes.ascending(layout.resourceIdField()),
                        Indexes.descending(layout.versionField())));
            }
            return null;
        });
    }

    /**
     * Sets how many chained target ids one query takes (tests use a small chunk to run the chunked path).
     *
     * @param size at least 1
     */
    void chainChunk(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("Chunk size must be at least 1, was " + size);
        }
        this.chainChunk = size;
    }

    private MongoCollection<Document> current(String type) {
        return database.getCollection(layout.collectionFor(type));
    }

    private MongoCollection<Document> history(String type) {
        return database.getCollection(layout.historyCollectionFor(type));
    }

    // ------------------------------------------------------------------------------------------------ finding

    @Override
    public ResourcePage findMembers(CompartmentScope scope, String pageToken, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1, was " + limit);
        }
        ResourceKey after = MemberPages.after(pageToken);
        return MongoCalls.call("find compartment members of " + scope.owner(), () -> {
            ResourceKey owner = pageToken == null && currentExists(scope.owner()) ? scope.owner() : null;
            int wanted = MemberPages.membersWanted(owner != null, limit);
            return MemberPages.page(owner, wanted == 0 ? List.of() : memberPage(scope, after, wanted + 1), limit);
        });
    }

    /**
     * One query per member type for the whole group, in {@code _id} order (in the reference-field layout one
     * {@code $elemMatch} on the member parameters and the owners' targets, else an {@code $or} of each owner's
     * membership filter), each document attributed to the owners it references by reading its reference fields; an
     * owner stops collecting once it has {@code limit + 1} members. Every page is exactly what {@link #findMembers}
     * returns; a group of 32 small patients costs one query per member type instead of 32.
     */
    @Override
    public List<ResourcePage> findFirstPages(List<CompartmentScope> scopes, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1, was " + limit);
        }
        if (scopes.size() < 2 || !MemberPages.oneDefinition(scopes)) {
            return ResourceFinder.super.findFirstPages(scopes, limit);
        }
        CompartmentDefinition definition = scopes.get(0).definition();
        List<String> owners = scopes.stream().map(CompartmentScope::ownerId).distinct().toList();
        return MongoCalls.call("find the first members of " + owners.size() + " compartments", () -> {
            Set<String> existing = new HashSet<>();
            current(definition.code()).find(Filters.in(ID, owners)).projection(Projections.include(ID))
                    .forEach(d -> existing.add(d.getString(ID)));
            Map<String, List<ResourceKey>> members = new HashMap<>();
            Set<String> open = new LinkedHashSet<>(owners);
            for (String type : definition.members().keySet()) {
                if (open.isEmpty()) {
                    break;
                }
                Set<String> params = new HashSet<>(definition.paramsOf(type).stream().map(CompartmentParam::name)
                        .toList());
                try (MongoCursor<Document> cursor = current(type).find(membershipOfAny(definition, type, params,
                                open)).projection(Projections.include(referenceFieldsOf(definition, type)))
                        .sort(Sorts.ascending(ID)).iterator()) {
                    while (cursor.hasNext() && !open.isEmpty()) {
                        Document d = cursor.next();
                        String id = d.getString(ID);
                        for (String owner : ownersAmong(d, definition, type, params, open)) {
                            boolean self = type.equals(definition.code()) && id.equals(owner);
                            if (!self) {
                                List<ResourceKey> keys = members.computeIfAbsent(owner, o -> new ArrayList<>());
                                keys.add(ResourceKey.of(type, id));
                                if (keys.size() > limit) {
                                    open.remove(owner);
                                }
                            }
                        }
                    }
                }
            }
            List<ResourcePage> pages = new ArrayList<>(scopes.size());
            for (CompartmentScope scope : scopes) {
                ResourceKey owner = existing.contains(scope.ownerId()) ? scope.owner() : null;
                pages.add(MemberPages.page(owner, members.getOrDefault(scope.ownerId(), List.of()), limit));
            }
            return pages;
        });
    }

    /**
     * Documents of a type in the compartment of any of the owners: in the reference-field layout one
     * {@code $elemMatch} with both the parameter and the target in lists (one index scan, one test per document),
     * else an {@code $or} of each owner's membership.
     */
    private Bson membershipOfAny(CompartmentDefinition definition, String type, Set<String> params,
                                 Collection<String> ownerIds) {
        if (layout.membership() == Membership.REFERENCE_FIELD) {
            List<String> targets = ownerIds.stream().map(o -> definition.code() + "/" + o).toList();
            return Filters.elemMatch(layout.referencesField(),
                    Filters.and(Filters.in(REF_PARAM, params), Filters.in(REF_TARGET, targets)));
        }
        return Filters.or(ownerIds.stream().map(o -> membership(new CompartmentScope(definition, o), type)).toList());
    }

    /**
     * Which of the owners a document references through one of the type's member parameters ({@code params}), in the
     * owners' order, by the same rules as {@link #membershipOfAny}.
     */
    private List<String> ownersAmong(Document d, CompartmentDefinition definition, String type, Set<String> params,
                                     Collection<String> ownerIds) {
        if (layout.membership() != Membership.REFERENCE_FIELD) {
            return ownerIds.stream().filter(o -> referencesByPath(d, definition, type, o)).toList();
        }
        String prefix = definition.code() + "/";
        Set<String> referenced = new HashSet<>();
        for (Document r : d.getList(layout.referencesField(), Document.class, List.of())) {
            String target = r.getString(REF_TARGET);
            if (params.contains(r.getString(REF_PARAM)) && target != null && target.startsWith(prefix)) {
                referenced.add(target.substring(prefix.length()));
            }
        }
        return ownerIds.stream().filter(referenced::contains).toList();
    }

    /** The top-level fields a document's membership is read from. */
    private List<String> referenceFieldsOf(CompartmentDefinition definition, String type) {
        if (layout.membership() == Membership.REFERENCE_FIELD) {
            return List.of(ID, layout.referencesField());
        }
        List<String> fields = new ArrayList<>(List.of(ID));
        for (String path : pathsOf(definition.paramsOf(type))) {
            String top = path.split("\\.")[0];
            if (!fields.contains(top)) {
                fields.add(top);
            }
        }
        return fields;
    }

    /**
     * Whether a document of a path layout references the owner through a member parameter, by the same rules as the
     * filter.
     */
    private boolean referencesByPath(Document d, CompartmentDefinition definition, String type, String ownerId) {
        String target = definition.code() + "/" + ownerId;
        for (String path : pathsOf(definition.paramsOf(type))) {
            List<Object> values = new ArrayList<>();
            collect(d, (path + ".reference").split("\\."), 0, values);
            for (Object v : values) {
                if (v instanceof String reference && pointsAt(reference, target)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Relative, relative versioned, or absolute under a local base (versioned or not). */
    private boolean pointsAt(String reference, String target) {
        if (matchesTarget(reference, target)) {
            return true;
        }
        for (String base : layout.localBaseUrls()) {
            if (reference.startsWith(base + "/") && matchesTarget(reference.substring(base.length() + 1), target)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesTarget(String relative, String target) {
        if (relative.equals(target)) {
            return true;
        }
        return relative.startsWith(target + HISTORY)
                && relative.substring(target.length() + HISTORY.length()).matches("[A-Za-z0-9.\\-]{1,64}");
    }

    /** The values at a dotted path, through nested documents and arrays. */
    private static void collect(Object node, String[] path, int at, List<Object> into) {
        if (node instanceof List<?> list) {
            list.forEach(item -> collect(item, path, at, into));
            return;
        }
        if (at == path.length) {
            into.add(node);
            return;
        }
        if (node instanceof Document doc && doc.containsKey(path[at])) {
            collect(doc.get(path[at]), path, at + 1, into);
        }
    }

    /** Up to {@code rows} members after {@code after}: one {@code _id}-ordered query per member type. */
    private List<ResourceKey> memberPage(CompartmentScope scope, ResourceKey after, int rows) {
        List<ResourceKey> keys = new ArrayList<>(rows);
        var types = scope.definition().members();
        var remaining = after == null ? types : types.tailMap(after.type());
        for (String type : remaining.keySet()) {
            List<Bson> filter = new ArrayList<>();
            filter.add(membership(scope, type));
            if (after != null && after.type().equals(type)) {
                filter.add(Filters.gt(ID, after.id()));
            }
            if (type.equals(scope.definition().code())) {
                filter.add(Filters.ne(ID, scope.ownerId()));
            }
            try (MongoCursor<Document> cursor = current(type).find(Filters.and(filter))
                    .projection(Projections.include(ID)).sort(Sorts.ascending(ID)).limit(rows - keys.size())
                    .iterator()) {
                while (cursor.hasNext()) {
                    keys.add(ResourceKey.of(type, cursor.next().getString(ID)));
                }
            }
            if (keys.size() == rows) {
                break;
            }
        }
        return keys;
    }

    /** The filter selecting the resources of one member type that reference the owner. */
    private Bson membership(CompartmentScope scope, String type) {
        List<CompartmentParam> params = scope.definition().paramsOf(type);
        String target = scope.owner().toString();
        if (layout.membership() == Membership.REFERENCE_FIELD) {
            List<String> names = params.stream().map(CompartmentParam::name).distinct().toList();
            return Filters.elemMatch(layout.referencesField(),
                    Filters.and(Filters.in(REF_PARAM, names), Filters.eq(REF_TARGET, target)));
        }
        // Every alternative is an equality or a regular expression with a literal prefix, so an index on
        // <path>.reference bounds each of them: relative, relative versioned, and per local base the absolute forms.
        List<String> exact = new ArrayList<>();
        List<String> versionedPrefixes = new ArrayList<>();
        exact.add(target);
        versionedPrefixes.add(target + HISTORY);
        for (String base : layout.localBaseUrls()) {
            exact.add(base + "/" + target);
            versionedPrefixes.add(base + "/" + target + HISTORY);
        }
        List<Bson> any = new ArrayList<>();
        for (String path : pathsOf(params)) {
            String field = path + ".reference";
            any.add(Filters.in(field, exact));
            for (String prefix : versionedPrefixes) {
                any.add(Filters.regex(field, "^" + escapeRegex(prefix) + "[A-Za-z0-9.\\-]{1,64}\\z"));
            }
        }
        return Filters.or(any);
    }

    private static Set<String> pathsOf(List<CompartmentParam> params) {
        Set<String> paths = new LinkedHashSet<>();
        for (CompartmentParam p : params) {
            for (String path : p.elementPaths()) {
                requireElementPath(path);
                paths.add(path);
            }
        }
        return paths;
    }

    /** Element paths come from the compartment definition; they become field paths, so they are checked. */
    private static void requireElementPath(String path) {
        if (!path.matches("[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)*")) {
            throw new IllegalArgumentException("Not an element path: '" + path + "'");
        }
    }

    /**
     * Escapes every ASCII character that is not a letter or digit, so the text matches itself literally in both
     * PCRE (the server) and {@link java.util.regex.Pattern}; other characters are literals in both already.
     */
    static String escapeRegex(String text) {
        StringBuilder sb = new StringBuilder(text.length() * 2);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean plain = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (plain) {
                sb.append(c);
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append('\\').append(c);
            }
        }
        return sb.toString();
    }

    private boolean currentExists(ResourceKey key) {
        return current(key.type()).find(Filters.eq(ID, key.id())).projection(Projections.include(ID)).first()
                != null;
    }

    @Override
    public long countMembers(CompartmentScope scope) {
        return MongoCalls.call("count compartment members of " + scope.owner(), () -> {
            long count = currentExists(scope.owner()) ? 1 : 0;
            for (String type : scope.definition().members().keySet()) {
                Bson filter = membership(scope, type);
                if (type.equals(scope.definition().code())) {
                    filter = Filters.and(filter, Filters.ne(ID, scope.ownerId()));
                }
                count += current(type).countDocuments(filter);
            }
            return count;
        });
    }

    @Override
    public List<ResourceKey> findExisting(Collection<ResourceKey> keys) {
        Map<String, List<String>> byType = ResourceKeys.groupByType(keys);
        if (byType.isEmpty()) {
            return List.of();
        }
        Set<ResourceKey> found = MongoCalls.call("find existing resources", () -> {
            Set<ResourceKey> hit = new HashSet<>();
            for (Map.Entry<String, List<String>> e : byType.entrySet()) {
                String type = e.getKey();
                for (List<String> ids : chunks(e.getValue())) {
                    for (Document d : current(type).find(Filters.in(ID, ids)).projection(Projections.include(ID))) {
                        hit.add(ResourceKey.of(type, d.getString(ID)));
                    }
                    for (Document d : history(type).find(Filters.in(layout.resourceIdField(), ids))
                            .projection(Projections.include(layout.resourceIdField()))) {
                        hit.add(ResourceKey.of(type, d.getString(layout.resourceIdField())));
                    }
                }
            }
            return hit;
        });
        return ResourceKeys.inBatchOrder(keys, found);
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
        Set<String> targetRefs = new HashSet<>();
        for (ResourceKey k : new LinkedHashSet<>(targets)) {
            targetRefs.add(k.toString());
        }
        String refs = layout.referencesField();
        return MongoCalls.call("find referrers", () -> {
            TreeMap<String, String> collections = new TreeMap<>();
            for (String name : database.listCollectionNames()) {
                String type = layout.typeOfCollection(name);
                if (type != null) {
                    collections.put(type, name);
                }
            }
            List<IndexedReference> rows = new ArrayList<>();
            for (Map.Entry<String, String> c : collections.entrySet()) {
                String type = c.getKey();
                Bson filter = Filters.in(refs + "." + REF_TARGET, targetRefs);
                if (byType.containsKey(type)) {
                    filter = Filters.and(filter, Filters.nin(ID, byType.get(type)));
                }
                for (Document doc : database.getCollection(c.getValue()).find(filter)
                        .projection(Projections.include(ID, refs)).sort(Sorts.ascending(ID)).limit(limit)) {
                    ResourceKey source = ResourceKey.of(type, doc.getString(ID));
                    for (Document ref : doc.getList(refs, Document.class, List.of())) {
                        String t = ref.getString(REF_TARGET);
                        if (targetRefs.contains(t)) {
                            rows.add(new IndexedReference(source, ref.getString(REF_PARAM), ResourceKey.parse(t)));
                        }
                    }
                }
                if (rows.size() >= limit) {
                    break;
                }
            }
            rows.sort(REFERENCE_ORDER);
            return List.copyOf(rows.subList(0, Math.min(limit, rows.size())));
        });
    }

    // ------------------------------------------------------------------------------------------------ erasing

    @Override
    public List<ResourceKey> hardDelete(Collection<ResourceKey> batch) {
        Map<String, List<String>> byType = ResourceKeys.groupByType(batch);
        if (byType.isEmpty()) {
            return List.of();
        }
        Set<ResourceKey> erased = calls.inBatch("hard delete of " + batch.size() + " resources", s -> {
            Set<ResourceKey> touched = new HashSet<>();
            for (Map.Entry<String, List<String>> e : byType.entrySet()) {
                String type = e.getKey();
                MongoCollection<Document> cur = current(type);
                MongoCollection<Document> hist = history(type);
                for (List<String> ids : chunks(e.getValue())) {
                    Bson inCurrent = Filters.in(ID, ids);
                    Bson inHistory = Filters.in(layout.resourceIdField(), ids);
                    Set<String> onlyHistory = new LinkedHashSet<>(ids);
                    for (Document d : find(s, cur, inCurrent).projection(Projections.include(ID))) {
                        touched.add(ResourceKey.of(type, d.getString(ID)));
                        onlyHistory.remove(d.getString(ID));
                    }
                    // A resource with a current document is touched whatever its history holds: history is read
                    // only for the ids that have none (a resource left with history alone).
                    if (!onlyHistory.isEmpty()) {
                        for (Document d : find(s, hist, Filters.in(layout.resourceIdField(), onlyHistory))
                                .projection(Projections.include(layout.resourceIdField()))) {
                            touched.add(ResourceKey.of(type, d.getString(layout.resourceIdField())));
                        }
                    }
                    // History first, the current document (with its references) last: see the class comment.
                    deleteMany(s, hist, inHistory);
                    deleteMany(s, cur, inCurrent);
                }
            }
            return touched;
        });
        return ResourceKeys.inBatchOrder(batch, erased);
    }

    @Override
    public List<ResourceKey> softDelete(Collection<ResourceKey> batch, Instant at) {
        Objects.requireNonNull(at, "at");
        Map<String, List<String>> byType = ResourceKeys.groupByType(batch);
        if (byType.isEmpty()) {
            return List.of();
        }
        Set<ResourceKey> deleted = calls.inBatch("soft delete of " + batch.size() + " resources", s -> {
            Set<ResourceKey> done = new HashSet<>();
            for (Map.Entry<String, List<String>> e : byType.entrySet()) {
                String type = e.getKey();
                MongoCollection<Document> cur = current(type);
                for (List<String> ids : chunks(e.getValue())) {
                    List<Document> live = find(s, cur, Filters.and(Filters.in(ID, ids),
                            Filters.ne(layout.deletedField(), true))).into(new ArrayList<>());
                    if (live.isEmpty()) {
                        continue;
                    }
                    List<WriteModel<Document>> copies = new ArrayList<>();
                    for (Document d : live) {
                        copies.add(historyUpsert(historyCopy(d)));
                    }
                    bulkWrite(s, history(type), copies);
                    for (Document d : live) {
                        long version = version(d);
                        Bson guard = Filters.and(Filters.eq(ID, d.getString(ID)),
                                Filters.eq(layout.versionField(), version), Filters.ne(layout.deletedField(), true));
                        Bson tombstone = Updates.combine(Updates.set(layout.deletedField(), true),
                                Updates.set(layout.versionField(), version + 1),
                                Updates.set(layout.lastUpdatedField(), micros(at)),
                                // A tombstone is never searched; its names, identifiers and dates are not kept.
                                Updates.unset(layout.stringIndexField()), Updates.unset(layout.tokenIndexField()),
                                Updates.unset(layout.dateIndexField()));
                        long matched = s == null ? cur.updateOne(guard, tombstone).getMatchedCount()
                                : cur.updateOne(s, guard, tombstone).getMatchedCount();
                        if (matched == 1) {
                            done.add(ResourceKey.of(type, d.getString(ID)));
                        } else {
                            dropOrphanedHistory(s, type, List.of(d.getString(ID)));
                        }
                    }
                }
            }
            return done;
        });
        return ResourceKeys.inBatchOrder(batch, deleted);
    }

    @Override
    public List<ResourceKey> purgeHistory(Collection<ResourceKey> batch) {
        Map<String, List<String>> byType = ResourceKeys.groupByType(batch);
        if (byType.isEmpty()) {
            return List.of();
        }
        Set<ResourceKey> purged = calls.inBatch("purge history of " + batch.size() + " resources", s -> {
            Set<ResourceKey> touched = new HashSet<>();
            for (Map.Entry<String, List<String>> e : byType.entrySet()) {
                MongoCollection<Document> hist = history(e.getKey());
                for (List<String> ids : chunks(e.getValue())) {
                    Bson inHistory = Filters.in(layout.resourceIdField(), ids);
                    for (Document d : find(s, hist, inHistory).projection(Projections.include(
                            layout.resourceIdField()))) {
                        touched.add(ResourceKey.of(e.getKey(), d.getString(layout.resourceIdField())));
                    }
                    deleteMany(s, hist, inHistory);
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
        List<Document> contents = new ArrayList<>(writes.size());
        for (ResourceWrite w : writes) {
            contents.add(content(w));
        }
        Map<String, Map<String, List<Integer>>> positions = new TreeMap<>();
        for (int i = 0; i < writes.size(); i++) {
            ResourceKey k = writes.get(i).key();
            positions.computeIfAbsent(k.type(), t -> new LinkedHashMap<>())
                    .computeIfAbsent(k.id(), id -> new ArrayList<>()).add(i);
        }
        long[] versions = calls.inBatch("write of " + writes.size() + " resources", s -> {
            long[] result = new long[writes.size()];
            for (Map.Entry<String, Map<String, List<Integer>>> e : positions.entrySet()) {
                List<String> ids = new ArrayList<>(e.getValue().keySet());
                for (List<String> chunk : chunks(ids)) {
                    writeChunk(s, e.getKey(), chunk, e.getValue(), writes, contents, result);
                }
            }
            return result;
        });
        List<Long> result = new ArrayList<>(writes.size());
        for (long v : versions) {
            result.add(v);
        }
        return result;
    }

    /** The FHIR JSON as a document, refused when it uses a field name the layout needs. */
    private Document content(ResourceWrite w) {
        Document content;
        try {
            content = Document.parse(w.json());
        } catch (JsonParseException | org.bson.BsonInvalidOperationException e) {
            throw new IllegalArgumentException("Not a JSON object: the content of " + w.key(), e);
        }
        for (String field : content.keySet()) {
            if (reservedFields.contains(field)) {
                throw new IllegalArgumentException("The content of " + w.key() + " uses the field '" + field
                        + "', which this layout reserves");
            }
        }
        return content;
    }

    private void writeChunk(ClientSession s, String type, List<String> ids, Map<String, List<Integer>> positions,
                            List<ResourceWrite> writes, List<Document> contents, long[] result) {
        MongoCollection<Document> cur = current(type);
        MongoCollection<Document> hist = history(type);
        Map<String, Document> existing = new HashMap<>();
        for (Document d : find(s, cur, Filters.in(ID, ids))) {
            existing.put(d.getString(ID), d);
        }
        List<String> fresh = ids.stream().filter(id -> !existing.containsKey(id)).toList();
        Map<String, Long> highestPast = new HashMap<>();
        if (!fresh.isEmpty()) {
            for (Document d : find(s, hist, Filters.in(layout.resourceIdField(), fresh))
                    .projection(Projections.include(layout.resourceIdField(), layout.versionField()))) {
                highestPast.merge(d.getString(layout.resourceIdField()), version(d), Math::max);
            }
        }
        List<WriteModel<Document>> historyWrites = new ArrayList<>();
        List<WriteModel<Document>> currentWrites = new ArrayList<>();
        int replaces = 0;
        for (String id : ids) {
            Document old = existing.get(id);
            long version = old != null ? version(old) : highestPast.getOrDefault(id, 0L);
            if (old != null) {
                historyWrites.add(historyUpsert(historyCopy(old)));
            }
            List<Integer> at = positions.get(id);
            for (int n = 0; n < at.size(); n++) {
                int i = at.get(n);
                version++;
                result[i] = version;
                ResourceWrite w = writes.get(i);
                if (n < at.size() - 1) {
                    historyWrites.add(historyUpsert(historyCopy(stored(w, contents.get(i), version))));
                } else if (old == null) {
                    currentWrites.add(new InsertOneModel<>(stored(w, contents.get(i), version)));
                } else {
                    replaces++;
                    currentWrites.add(new ReplaceOneModel<>(Filters.and(Filters.eq(ID, id),
                            Filters.eq(layout.versionField(), version(old))), stored(w, contents.get(i), version)));
                }
            }
        }
        bulkWrite(s, hist, historyWrites);
        BulkWriteResult done = bulkWrite(s, cur, currentWrites);
        if (done != null && done.getMatchedCount() < replaces) {
            dropOrphanedHistory(s, type, List.copyOf(existing.keySet()));
            throw new StoreException("Concurrent write of a " + type + " resource; retry the write", null, true);
        }
    }

    /**
     * After a guarded update lost a race: a resource whose current document is gone meanwhile (a purge erased it)
     * must not keep the history copy this call wrote, or it would outlive its current document unseen by any sweep.
     */
    private void dropOrphanedHistory(ClientSession s, String type, List<String> ids) {
        Set<String> alive = new HashSet<>();
        for (Document d : find(s, current(type), Filters.in(ID, ids)).projection(Projections.include(ID))) {
            alive.add(d.getString(ID));
        }
        List<String> gone = ids.stream().filter(id -> !alive.contains(id)).toList();
        if (!gone.isEmpty()) {
            deleteMany(s, history(type), Filters.in(layout.resourceIdField(), gone));
        }
    }

    /** A current document: the content with the resource id and the bookkeeping fields. */
    private Document stored(ResourceWrite w, Document content, long version) {
        Document d = new Document(ID, w.key().id());
        d.putAll(content);
        d.append(layout.versionField(), version).append(layout.deletedField(), false)
                .append(layout.lastUpdatedField(), micros(w.lastUpdated()));
        List<Document> refs = new ArrayList<>();
        for (IndexedReference r : new LinkedHashSet<>(w.references())) {
            refs.add(new Document(REF_PARAM, r.paramName()).append(REF_TARGET, r.target().toString()));
        }
        d.append(layout.referencesField(), refs);
        List<Document> strings = new ArrayList<>();
        List<Document> tokens = new ArrayList<>();
        List<Document> dates = new ArrayList<>();
        for (IndexEntry e : new LinkedHashSet<>(w.searchIndex())) {
            if (e instanceof IndexEntry.StringEntry se) {
                strings.add(new Document(STR_PARAM, se.paramName()).append(STR_NORMALIZED, se.normalized())
                        .append(STR_EXACT, se.exact()));
            } else if (e instanceof IndexEntry.TokenEntry te) {
                tokens.add(new Document(STR_PARAM, te.paramName()).append(TOKEN_SYSTEM, te.system())
                        .append(TOKEN_CODE, te.code()));
            } else if (e instanceof IndexEntry.DateEntry de) {
                dates.add(new Document(STR_PARAM, de.paramName()).append(DATE_LOW, indexMicros(de.low()))
                        .append(DATE_HIGH, indexMicros(de.high())));
            }
        }
        return d.append(layout.stringIndexField(), strings).append(layout.tokenIndexField(), tokens)
                .append(layout.dateIndexField(), dates);
    }

    /**
     * A current document as the history document of its version (references and search index entries are kept on
     * current versions only).
     */
    private Document historyCopy(Document currentDoc) {
        String id = currentDoc.getString(ID);
        Document d = new Document(ID, id + HISTORY + version(currentDoc)).append(layout.resourceIdField(), id);
        Set<String> dropped = Set.of(ID, layout.referencesField(), layout.stringIndexField(),
                layout.tokenIndexField(), layout.dateIndexField());
        for (Map.Entry<String, Object> e : currentDoc.entrySet()) {
            if (!dropped.contains(e.getKey())) {
                d.put(e.getKey(), e.getValue());
            }
        }
        return d;
    }

    private static ReplaceOneModel<Document> historyUpsert(Document historyDoc) {
        return new ReplaceOneModel<>(Filters.eq(ID, historyDoc.getString(ID)), historyDoc,
                new ReplaceOptions().upsert(true));
    }

    // ------------------------------------------------------------------------------------------------ searching

    @Override
    public SearchSupport support() {
        return SearchSupport.full();
    }

    @Override
    public ResourcePage search(SearchCriteria criteria, Instant notAfter, String pageToken, int limit) {
        Objects.requireNonNull(criteria, "criteria");
        Objects.requireNonNull(notAfter, "notAfter");
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1, was " + limit);
        }
        String after = decodeSearchToken(pageToken);
        String type = criteria.resourceType();
        return MongoCalls.call("search " + type, () -> {
            List<String> ids = plan(criteria, notAfter).page(after, limit + 1);
            boolean more = ids.size() > limit;
            List<String> page = more ? ids.subList(0, limit) : ids;
            List<ResourceKey> items = new ArrayList<>(page.size());
            for (String id : page) {
                items.add(ResourceKey.of(type, id));
            }
            return new ResourcePage(items, more ? SEARCH_CURSOR + page.get(page.size() - 1) : null);
        });
    }

    @Override
    public long count(SearchCriteria criteria, Instant notAfter) {
        Objects.requireNonNull(criteria, "criteria");
        Objects.requireNonNull(notAfter, "notAfter");
        return MongoCalls.call("count search of " + criteria.resourceType(), () -> plan(criteria, notAfter).count());
    }

    private static String decodeSearchToken(String token) {
        if (token == null) {
            return null;
        }
        if (!token.startsWith(SEARCH_CURSOR)) {
            throw new IllegalArgumentException("Not a search page token of this store: '" + token + "'");
        }
        return token.substring(SEARCH_CURSOR.length());
    }

    /** A chained criterion whose target ids do not fit in one chunk: searched chunk by chunk. */
    private record LargeChain(String parameter, String type, Bson targetFilter) {
    }

    /** Builds the query: fixed conditions, and the chains too large to inline. */
    private SearchPlan plan(SearchCriteria criteria, Instant notAfter) {
        List<Bson> fixed = new ArrayList<>();
        fixed.add(Filters.ne(layout.deletedField(), true));
        fixed.add(Filters.lte(layout.lastUpdatedField(), floorMicros(notAfter)));
        List<LargeChain> large = new ArrayList<>();
        for (SearchCriterion c : criteria.allOf()) {
            if (!c.isChained()) {
                fixed.add(condition(c.parameter(), c.type(), c.anyOf()));
                continue;
            }
            Bson target = Filters.and(Filters.ne(layout.deletedField(), true),
                    condition(c.chainParameter(), c.valueType(), c.anyOf()));
            List<String> first = targetIds(c.chainType(), target, null, chainChunk + 1);
            if (first.size() <= chainChunk) {
                fixed.add(referencesTo(c.parameter(), c.chainType(), first));
            } else {
                large.add(new LargeChain(c.parameter(), c.chainType(), target));
            }
        }
        return new SearchPlan(current(criteria.resourceType()), fixed, large);
    }

    /** Up to {@code rows} ids of live resources of a type matching a filter, after {@code after}, in id order. */
    private List<String> targetIds(String type, Bson filter, String after, int rows) {
        Bson f = after == null ? filter : Filters.and(filter, Filters.gt(ID, after));
        List<String> ids = new ArrayList<>();
        for (Document d : current(type).find(f).projection(Projections.include(ID)).sort(Sorts.ascending(ID))
                .limit(rows)) {
            ids.add(d.getString(ID));
        }
        return ids;
    }

    private Bson referencesTo(String parameter, String type, List<String> ids) {
        List<String> targets = new ArrayList<>(ids.size());
        for (String id : ids) {
            targets.add(type + "/" + id);
        }
        return Filters.elemMatch(layout.referencesField(),
                Filters.and(Filters.eq(REF_PARAM, parameter), Filters.in(REF_TARGET, targets)));
    }

    /** One criterion: any of its values. */
    private Bson condition(String param, SearchParamType type, List<SearchValue> values) {
        List<Bson> any = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (SearchValue v : values) {
            if (v instanceof SearchValue.IdValue id) {
                ids.add(id.id());
            } else {
                any.add(value(param, type, v));
            }
        }
        if (!ids.isEmpty()) {
            any.add(Filters.in(ID, ids));
        }
        return any.size() == 1 ? any.get(0) : Filters.or(any);
    }

    private Bson value(String param, SearchParamType type, SearchValue v) {
        if (v instanceof DateValue d && type == SearchParamType.LAST_UPDATED) {
            return lastUpdated(d);
        }
        if (v instanceof SearchValue.ReferenceValue r) {
            Bson target = r.type() != null ? Filters.eq(REF_TARGET, r.type() + "/" + r.id())
                    : Filters.regex(REF_TARGET, "^[A-Za-z]+/" + escapeRegex(r.id()) + "\\z");
            return Filters.elemMatch(layout.referencesField(), Filters.and(Filters.eq(REF_PARAM, param), target));
        }
        if (v instanceof SearchValue.StringValue s) {
            Bson match = switch (s.match()) {
                case STARTS_WITH -> Filters.regex(STR_NORMALIZED, "^" + escapeRegex(s.text()));
                case CONTAINS -> Filters.regex(STR_NORMALIZED, escapeRegex(s.text()));
                case EXACT -> Filters.eq(STR_EXACT, s.text());
            };
            return element(layout.stringIndexField(), param, match);
        }
        if (v instanceof SearchValue.TokenValue t) {
            List<Bson> match = new ArrayList<>();
            if (t.code() != null) {
                match.add(Filters.eq(TOKEN_CODE, t.code()));
            }
            if (t.system() != null) {
                match.add(Filters.eq(TOKEN_SYSTEM, t.system().isEmpty() ? null : t.system()));
            }
            return element(layout.tokenIndexField(), param, Filters.and(match));
        }
        if (v instanceof DateValue d) {
            return indexedDate(param, d);
        }
        throw new IllegalArgumentException("Unsupported search value " + v + " for " + param);
    }

    private static Bson element(String field, String param, Bson match) {
        return Filters.elemMatch(field, Filters.and(Filters.eq(STR_PARAM, param), match));
    }

    /**
     * The prefix comparisons of an indexed range {@code [l, h)} (whole microseconds) with the value's range, exact
     * at microsecond precision: a bound of the value between two microseconds is rounded the way that keeps the
     * comparison's meaning.
     */
    private Bson indexedDate(String param, DateValue d) {
        long lowCeil = ceilMicros(d.low());
        long lowFloor = floorMicros(d.low());
        long highCeil = ceilMicros(d.high());
        long highFloor = floorMicros(d.high());
        String f = layout.dateIndexField();
        return switch (d.prefix()) {
            case EQ, AP -> element(f, param, Filters.and(Filters.gte(DATE_LOW, lowCeil),
                    Filters.lte(DATE_HIGH, highFloor)));
            case NE -> Filters.or(element(f, param, Filters.lt(DATE_LOW, lowCeil)),
                    element(f, param, Filters.gt(DATE_HIGH, highFloor)));
            case LT -> element(f, param, Filters.lt(DATE_LOW, lowCeil));
            case GT -> element(f, param, Filters.gt(DATE_HIGH, highFloor));
            case LE -> element(f, param, Filters.lt(DATE_LOW, highCeil));
            case GE -> element(f, param, Filters.gt(DATE_HIGH, lowFloor));
            case SA -> element(f, param, Filters.gte(DATE_LOW, highCeil));
            case EB -> element(f, param, Filters.lte(DATE_HIGH, lowFloor));
        };
    }

    /** The same comparisons on the version's own range {@code [lastUpdated, lastUpdated + 1µs)}. */
    private Bson lastUpdated(DateValue d) {
        long lowCeil = ceilMicros(d.low());
        long lowFloor = floorMicros(d.low());
        long highCeil = ceilMicros(d.high());
        long highFloor = floorMicros(d.high());
        String f = layout.lastUpdatedField();
        return switch (d.prefix()) {
            case EQ, AP -> Filters.and(Filters.gte(f, lowCeil), Filters.lt(f, highFloor));
            case NE -> Filters.or(Filters.lt(f, lowCeil), Filters.gte(f, highFloor));
            case LT -> Filters.lt(f, lowCeil);
            case GT -> Filters.gte(f, highFloor);
            case LE -> Filters.lt(f, highCeil);
            case GE -> Filters.gte(f, lowFloor);
            case SA -> Filters.gte(f, highCeil);
            case EB -> Filters.lt(f, lowFloor);
        };
    }

    /** The search query of one type; with large chains, one query per combination of their chunks, merged. */
    private final class SearchPlan {
        private final MongoCollection<Document> collection;
        private final List<Bson> fixed;
        private final List<LargeChain> large;

        SearchPlan(MongoCollection<Document> collection, List<Bson> fixed, List<LargeChain> large) {
            this.collection = collection;
            this.fixed = fixed;
            this.large = large;
        }

        /** Up to {@code rows} matching ids after {@code after}, in {@code _id} order. */
        List<String> page(String after, int rows) {
            TreeSet<String> best = new TreeSet<>(MONGO_STRING_ORDER);
            collect(new ArrayList<>(fixed), 0, after, rows, best);
            return new ArrayList<>(best);
        }

        private void collect(List<Bson> filter, int chain, String after, int rows, TreeSet<String> best) {
            if (chain == large.size()) {
                List<Bson> all = new ArrayList<>(filter);
                if (after != null) {
                    all.add(Filters.gt(ID, after));
                }
                if (best.size() >= rows) {
                    all.add(Filters.lt(ID, best.last()));
                }
                for (Document d : collection.find(Filters.and(all)).projection(Projections.include(ID))
                        .sort(Sorts.ascending(ID)).limit(rows)) {
                    best.add(d.getString(ID));
                    if (best.size() > rows) {
                        best.pollLast();
                    }
                }
                return;
            }
            LargeChain c = large.get(chain);
            String last = null;
            while (true) {
                List<String> ids = targetIds(c.type(), c.targetFilter(), last, chainChunk);
                if (ids.isEmpty()) {
                    return;
                }
                filter.add(referencesTo(c.parameter(), c.type(), ids));
                collect(filter, chain + 1, after, rows, best);
                filter.remove(filter.size() - 1);
                if (ids.size() < chainChunk) {
                    return;
                }
                last = ids.get(ids.size() - 1);
            }
        }

        long count() {
            if (large.isEmpty()) {
                return collection.countDocuments(Filters.and(fixed));
            }
            long n = 0;
            String after = null;
            while (true) {
                List<String> ids = page(after, chainChunk);
                n += ids.size();
                if (ids.size() < chainChunk) {
                    return n;
                }
                after = ids.get(ids.size() - 1);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ reading

    @Override
    public Optional<StoredResource> read(ResourceKey key) {
        return MongoCalls.call("read " + key, () -> {
            Document d = current(key.type()).find(Filters.eq(ID, key.id())).first();
            return d == null ? Optional.empty() : Optional.of(toStored(key, d));
        });
    }

    @Override
    public List<StoredResource> history(ResourceKey key, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1, was " + limit);
        }
        return MongoCalls.call("read history of " + key, () -> {
            List<StoredResource> all = new ArrayList<>();
            Document d = current(key.type()).find(Filters.eq(ID, key.id())).first();
            if (d != null) {
                all.add(toStored(key, d));
            }
            if (all.size() < limit) {
                for (Document h : history(key.type()).find(Filters.eq(layout.resourceIdField(), key.id()))
                        .sort(Sorts.descending(layout.versionField())).limit(limit - all.size())) {
                    all.add(toStored(key, h));
                }
            }
            return all;
        });
    }

    @Override
    public Footprint footprint(ResourceKey key) {
        return MongoCalls.call("footprint of " + key, () -> {
            Document d = current(key.type()).find(Filters.eq(ID, key.id()))
                    .projection(Projections.include(ID, layout.referencesField())).first();
            long index = d == null ? 0 : d.getList(layout.referencesField(), Object.class, List.of()).size();
            long history = history(key.type()).countDocuments(Filters.eq(layout.resourceIdField(), key.id()));
            return new Footprint(d == null ? 0 : 1, history, index);
        });
    }

    private StoredResource toStored(ResourceKey key, Document d) {
        boolean deleted = Boolean.TRUE.equals(d.get(layout.deletedField()));
        long lastUpdated = ((Number) d.get(layout.lastUpdatedField())).longValue();
        String json = null;
        if (!deleted) {
            Document content = new Document();
            for (Map.Entry<String, Object> e : d.entrySet()) {
                if (!reservedFields.contains(e.getKey())) {
                    content.put(e.getKey(), e.getValue());
                }
            }
            json = content.toJson();
        }
        return new StoredResource(key, version(d), instant(lastUpdated), deleted, json);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private long version(Document d) {
        return ((Number) d.get(layout.versionField())).longValue();
    }

    private static FindIterable<Document> find(ClientSession s, MongoCollection<Document> c, Bson filter) {
        return s == null ? c.find(filter) : c.find(s, filter);
    }

    private static void deleteMany(ClientSession s, MongoCollection<Document> c, Bson filter) {
        if (s == null) {
            c.deleteMany(filter);
        } else {
            c.deleteMany(s, filter);
        }
    }

    private static BulkWriteResult bulkWrite(ClientSession s, MongoCollection<Document> c,
                                             List<WriteModel<Document>> models) {
        if (models.isEmpty()) {
            return null;
        }
        return s == null ? c.bulkWrite(models, UNORDERED) : c.bulkWrite(s, models, UNORDERED);
    }

    private static List<List<String>> chunks(List<String> ids) {
        return ResourceKeys.chunks(ids, CHUNK);
    }

    /**
     * Epoch microseconds, rounded down, as the JDBC adapter stores them. Computed from seconds: {@code
     * ChronoUnit.MICROS.between} overflows beyond about 292 years from 1970 on Java 17.
     */
    static long micros(Instant at) {
        return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1000);
    }

    /** Epoch microseconds rounded down, saturating at {@link Long#MIN_VALUE} / {@link Long#MAX_VALUE}. */
    static long floorMicros(Instant at) {
        try {
            return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1000);
        } catch (ArithmeticException e) {
            return at.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** Epoch microseconds rounded up, saturating. */
    static long ceilMicros(Instant at) {
        long floor = floorMicros(at);
        return at.getNano() % 1000 == 0 || floor == Long.MAX_VALUE ? floor : floor + 1;
    }

    /** An index entry's bound: {@link Instant#MIN} and {@link Instant#MAX} (and anything beyond a long) saturate. */
    private static long indexMicros(Instant at) {
        return floorMicros(at);
    }

    static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }
}
