package com.fhirpurge.core.memory;

import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.Footprint;
import com.fhirpurge.spi.IndexEntry;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceFinder;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.ResourceReader;
import com.fhirpurge.spi.ResourceSearcher;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.ResourceWriter;
import com.fhirpurge.spi.SearchCriteria;
import com.fhirpurge.spi.SearchCriterion;
import com.fhirpurge.spi.SearchSupport;
import com.fhirpurge.spi.StoreException;
import com.fhirpurge.spi.StoredResource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A reference store on the heap: versions per resource, their search index entries, and a reference index kept both
 * ways (by source and by target), so compartment members are found from the owner's inbound rows without a scan.
 * Searches scan the entries and match with the SPI's rules; fine for tests and prototypes, not for volume.
 *
 * <p>Every batch is atomic: a batch runs under the write lock and, should it fail midway, the entries it touched
 * are restored before the exception leaves. Reads take the read lock.
 *
 * <p><b>Threading:</b> safe for concurrent use.
 */
public final class InMemoryResourceStore implements ResourceFinder, ResourceEraser, ResourceWriter, ResourceReader,
        ResourceSearcher {

    /** All versions of one resource (oldest first, the last is current) and the current version's index rows. */
    private record Entry(ResourceKey key, List<StoredResource> versions, List<IndexedReference> references,
                         List<IndexEntry> index) implements SearchMatcher.Indexed {
        StoredResource current() {
            return versions.get(versions.size() - 1);
        }

        @Override
        public Instant lastUpdated() {
            return current().lastUpdated();
        }
    }

    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<ResourceKey, Entry> entries = new HashMap<>();
    /** target → source → parameter names. Sorted by source so compartment pages are keyset-ordered. */
    private final Map<ResourceKey, TreeMap<ResourceKey, Set<String>>> inbound = new HashMap<>();
    private final AtomicBoolean failNextErase = new AtomicBoolean();

    /** Creates an empty store. */
    public InMemoryResourceStore() {
    }

    /**
     * Makes the next erase call fail with a {@link StoreException} after it has changed part of its batch; the
     * batch is then rolled back, as a database transaction would be. For fault-injection tests.
     */
    public void failNextEraseMidway() {
        failNextErase.set(true);
    }

    // ------------------------------------------------------------------ finding

    @Override
    public ResourcePage findMembers(CompartmentScope scope, String pageToken, int limit) {
        requirePositive(limit);
        ResourceKey after = pageToken == null ? null : decodeToken(pageToken);
        ResourceKey owner = scope.owner();
        lock.readLock().lock();
        try {
            TreeSet<ResourceKey> candidates = new TreeSet<>();
            if (entries.containsKey(owner) && (after == null || owner.compareTo(after) > 0)) {
                candidates.add(owner);
            }
            TreeMap<ResourceKey, Set<String>> sources = inbound.getOrDefault(owner, new TreeMap<>());
            var tail = after == null ? sources : sources.tailMap(after, false);
            for (Map.Entry<ResourceKey, Set<String>> e : tail.entrySet()) {
                if (candidates.size() > limit && e.getKey().compareTo(candidates.last()) > 0) {
                    break;
                }
                if (isMemberVia(scope, e.getKey(), e.getValue())) {
                    candidates.add(e.getKey());
                }
            }
            List<ResourceKey> page = new ArrayList<>(limit);
            for (ResourceKey k : candidates) {
                if (page.size() == limit) {
                    break;
                }
                page.add(k);
            }
            boolean more = candidates.size() > limit;
            return new ResourcePage(page, more ? encodeToken(page.get(page.size() - 1)) : null);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long countMembers(CompartmentScope scope) {
        ResourceKey owner = scope.owner();
        lock.readLock().lock();
        try {
            long count = entries.containsKey(owner) ? 1 : 0;
            for (Map.Entry<ResourceKey, Set<String>> e : inbound.getOrDefault(owner, new TreeMap<>()).entrySet()) {
                if (!e.getKey().equals(owner) && isMemberVia(scope, e.getKey(), e.getValue())) {
                    count++;
                }
            }
            return count;
        } finally {
            lock.readLock().unlock();
        }
    }

    private static boolean isMemberVia(CompartmentScope scope, ResourceKey source, Set<String> params) {
        for (String param : params) {
            if (scope.definition().isMemberParam(source.type(), param)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<ResourceKey> findExisting(Collection<ResourceKey> keys) {
        lock.readLock().lock();
        try {
            return new LinkedHashSet<>(keys).stream().filter(entries::containsKey).toList();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<IndexedReference> findReferrers(Collection<ResourceKey> targets, int limit) {
        requirePositive(limit);
        Set<ResourceKey> set = Set.copyOf(targets);
        lock.readLock().lock();
        try {
            TreeSet<IndexedReference> rows = new TreeSet<>(REFERENCE_ORDER);
            for (ResourceKey target : set) {
                for (Map.Entry<ResourceKey, Set<String>> e : inbound.getOrDefault(target, new TreeMap<>())
                        .entrySet()) {
                    if (set.contains(e.getKey())) {
                        continue;
                    }
                    for (String param : e.getValue()) {
                        rows.add(new IndexedReference(e.getKey(), param, target));
                    }
                }
            }
            return rows.stream().limit(limit).toList();
        } finally {
            lock.readLock().unlock();
        }
    }

    private static final java.util.Comparator<IndexedReference> REFERENCE_ORDER =
            java.util.Comparator.comparing(IndexedReference::source)
                    .thenComparing(IndexedReference::paramName)
                    .thenComparing(IndexedReference::target);

    // ------------------------------------------------------------------ searching

    @Override
    public SearchSupport support() {
        return SearchSupport.full();
    }

    @Override
    public ResourcePage search(SearchCriteria criteria, Instant notAfter, String pageToken, int limit) {
        requirePositive(limit);
        ResourceKey after = pageToken == null ? null : decodeToken(pageToken);
        List<ResourceKey> page = new ArrayList<>(limit + 1);
        lock.readLock().lock();
        try {
            for (ResourceKey k : matching(criteria, notAfter)) {
                if (after == null || k.compareTo(after) > 0) {
                    page.add(k);
                    if (page.size() > limit) {
                        break;
                    }
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        boolean more = page.size() > limit;
        List<ResourceKey> items = more ? page.subList(0, limit) : page;
        return new ResourcePage(items, more ? encodeToken(items.get(items.size() - 1)) : null);
    }

    @Override
    public long count(SearchCriteria criteria, Instant notAfter) {
        lock.readLock().lock();
        try {
            return matching(criteria, notAfter).size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The live current versions of the type that match, in key order; the caller holds the read lock. */
    private TreeSet<ResourceKey> matching(SearchCriteria criteria, Instant notAfter) {
        TreeSet<ResourceKey> hits = new TreeSet<>();
        for (Entry e : entries.values()) {
            if (!e.key().type().equals(criteria.resourceType()) || e.current().deleted()
                    || e.lastUpdated().isAfter(notAfter)) {
                continue;
            }
            boolean all = true;
            for (SearchCriterion c : criteria.allOf()) {
                if (!SearchMatcher.matches(c, e, this::live)) {
                    all = false;
                    break;
                }
            }
            if (all) {
                hits.add(e.key());
            }
        }
        return hits;
    }

    private SearchMatcher.Indexed live(ResourceKey key) {
        Entry e = entries.get(key);
        return e == null || e.current().deleted() ? null : e;
    }

    // ------------------------------------------------------------------ erasing

    @Override
    public List<ResourceKey> hardDelete(Collection<ResourceKey> batch) {
        return atomically(batch, key -> {
            Entry entry = entries.remove(key);
            if (entry == null) {
                return false;
            }
            unindex(key, entry.references());
            return true;
        });
    }

    @Override
    public List<ResourceKey> softDelete(Collection<ResourceKey> batch, Instant at) {
        return atomically(batch, key -> {
            Entry entry = entries.get(key);
            if (entry == null || entry.current().deleted()) {
                return false;
            }
            entry.versions().add(new StoredResource(key, entry.current().version() + 1, at, true, null));
            return true;
        });
    }

    @Override
    public List<ResourceKey> purgeHistory(Collection<ResourceKey> batch) {
        return atomically(batch, key -> {
            Entry entry = entries.get(key);
            if (entry == null || entry.versions().size() == 1) {
                return false;
            }
            StoredResource current = entry.current();
            entry.versions().clear();
            entry.versions().add(current);
            return true;
        });
    }

    private interface Change {
        boolean apply(ResourceKey key);
    }

    /** Applies a change to every key of a batch under the write lock; restores the touched entries on failure. */
    private List<ResourceKey> atomically(Collection<ResourceKey> batch, Change change) {
        Set<ResourceKey> keys = new LinkedHashSet<>(batch);
        lock.writeLock().lock();
        Map<ResourceKey, Entry> snapshot = new HashMap<>();
        try {
            for (ResourceKey k : keys) {
                Entry e = entries.get(k);
                if (e != null) {
                    snapshot.put(k, new Entry(k, new ArrayList<>(e.versions()), e.references(), e.index()));
                }
            }
            List<ResourceKey> changed = new ArrayList<>();
            boolean fail = failNextErase.getAndSet(false);
            for (ResourceKey k : keys) {
                if (change.apply(k)) {
                    changed.add(k);
                }
                if (fail && !changed.isEmpty()) {
                    restore(snapshot, keys);
                    throw new StoreException("Injected failure in the middle of a batch", null, true);
                }
            }
            return changed;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void restore(Map<ResourceKey, Entry> snapshot, Set<ResourceKey> keys) {
        for (ResourceKey k : keys) {
            Entry current = entries.remove(k);
            if (current != null) {
                unindex(k, current.references());
            }
            Entry before = snapshot.get(k);
            if (before != null) {
                entries.put(k, before);
                index(k, before.references());
            }
        }
    }

    // ------------------------------------------------------------------ writing

    @Override
    public List<Long> write(List<ResourceWrite> writes) {
        lock.writeLock().lock();
        try {
            List<Long> versions = new ArrayList<>(writes.size());
            for (ResourceWrite w : writes) {
                Entry old = entries.get(w.key());
                long version = old == null ? 1 : old.current().version() + 1;
                List<StoredResource> all = old == null ? new ArrayList<>() : old.versions();
                all.add(new StoredResource(w.key(), version, w.lastUpdated(), false, w.json()));
                if (old != null) {
                    unindex(w.key(), old.references());
                }
                entries.put(w.key(), new Entry(w.key(), all, w.references(), w.searchIndex()));
                index(w.key(), w.references());
                versions.add(version);
            }
            return versions;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void index(ResourceKey source, List<IndexedReference> refs) {
        for (IndexedReference r : refs) {
            inbound.computeIfAbsent(r.target(), t -> new TreeMap<>())
                    .computeIfAbsent(source, s -> new TreeSet<>()).add(r.paramName());
        }
    }

    private void unindex(ResourceKey source, List<IndexedReference> refs) {
        for (IndexedReference r : refs) {
            TreeMap<ResourceKey, Set<String>> sources = inbound.get(r.target());
            if (sources != null) {
                sources.remove(source);
                if (sources.isEmpty()) {
                    inbound.remove(r.target());
                }
            }
        }
    }

    // ------------------------------------------------------------------ reading

    @Override
    public Optional<StoredResource> read(ResourceKey key) {
        lock.readLock().lock();
        try {
            Entry e = entries.get(key);
            return e == null ? Optional.empty() : Optional.of(e.current());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<StoredResource> history(ResourceKey key, int limit) {
        requirePositive(limit);
        lock.readLock().lock();
        try {
            Entry e = entries.get(key);
            if (e == null) {
                return List.of();
            }
            List<StoredResource> newestFirst = new ArrayList<>();
            for (int i = e.versions().size() - 1; i >= 0 && newestFirst.size() < limit; i--) {
                newestFirst.add(e.versions().get(i));
            }
            return newestFirst;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Footprint footprint(ResourceKey key) {
        lock.readLock().lock();
        try {
            Entry e = entries.get(key);
            if (e == null) {
                return Footprint.NONE;
            }
            return new Footprint(1, e.versions().size() - 1L, e.references().size());
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Counts the resources (any state) the store holds.
     *
     * @return the number of resources with at least a current row
     */
    public int size() {
        lock.readLock().lock();
        try {
            return entries.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    private static void requirePositive(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1, was " + limit);
        }
    }

    private static String encodeToken(ResourceKey last) {
        return last.type() + "/" + last.id();
    }

    private static ResourceKey decodeToken(String token) {
        return ResourceKey.parse(token);
    }
}
