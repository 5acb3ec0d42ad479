package com.fhirpurge.core.internal;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceFinder;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceKeys;
import com.fhirpurge.spi.ResourceReader;
import com.fhirpurge.spi.StoredResource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at a compartment's members beyond membership, for the dry run and the purge policies: which members are
 * also in other patients' compartments (from each member's own references, read and extracted with HAPI as the host
 * indexes them), and which references point into a page of members from resources outside the compartment. One
 * inspector serves one patient; its membership cache is cleared when it fills, so memory stays bounded.
 */
final class CompartmentInspector {

    private static final Logger LOG = LoggerFactory.getLogger(CompartmentInspector.class);
    private static final int CACHE = 10_000;
    private static final int MAX_REFERRERS = 100_000;

    private final ResourceFinder finder;
    private final ResourceReader reader;
    private final CompartmentDefinition compartment;
    private final FhirContext ctx;
    private final ReferenceExtractor extractor;
    private final String ownerId;
    private final int batchSize;
    private final Map<ResourceKey, Boolean> memberCache = new HashMap<>();

    CompartmentInspector(ResourceFinder finder, ResourceReader reader, CompartmentDefinition compartment,
                         ReferenceExtractor extractor, String ownerId, int batchSize) {
        this.finder = finder;
        this.reader = reader;
        this.compartment = compartment;
        this.ctx = FhirContext.forR4Cached();
        this.extractor = extractor;
        this.ownerId = ownerId;
        this.batchSize = batchSize;
    }

    /** The references into a page of members from resources outside the compartment. */
    List<IndexedReference> outsideReferences(List<ResourceKey> page) {
        Set<ResourceKey> inPage = new HashSet<>(page);
        List<IndexedReference> outside = new ArrayList<>();
        for (IndexedReference r : referrersOf(page)) {
            if (!inPage.contains(r.source()) && !isMember(r.source())) {
                outside.add(r);
            }
        }
        return outside;
    }

    /**
     * The references into a page from resources outside it, read in slices small enough that a slice's rows fit
     * one call's limit; a target with more referrers than that is read alone with a larger limit.
     */
    private List<IndexedReference> referrersOf(List<ResourceKey> page) {
        List<IndexedReference> rows = new ArrayList<>();
        int limit = Math.max(1000, batchSize * 4);
        for (List<ResourceKey> slice : ResourceKeys.chunks(page, 50)) {
            List<IndexedReference> found = finder.findReferrers(slice, limit);
            if (found.size() < limit) {
                rows.addAll(found);
                continue;
            }
            LOG.warn("more than {} references into {} resources; reading them one by one", limit,
                    slice.size());
            for (ResourceKey k : slice) {
                List<IndexedReference> one = finder.findReferrers(List.of(k), MAX_REFERRERS);
                if (one.size() == MAX_REFERRERS) {
                    LOG.warn("{} has more than {} referrers; the first {} are counted", k, MAX_REFERRERS,
                            MAX_REFERRERS);
                }
                rows.addAll(one);
            }
        }
        return rows;
    }

    /** The patients other than the owner whose compartments also hold {@code member}, in id order. */
    List<String> otherOwners(ResourceKey member) {
        Set<String> others = new TreeSet<>(compartment.ownersOf(member, referencesOf(member)));
        others.remove(ownerId);
        return List.copyOf(others);
    }

    /** Whether a resource is in the owner's compartment: the owner itself, or a reference through a member param. */
    private boolean isMember(ResourceKey key) {
        if (key.type().equals(compartment.code()) && key.id().equals(ownerId)) {
            return true;
        }
        Boolean known = memberCache.get(key);
        if (known != null) {
            return known;
        }
        boolean member = compartment.ownersOf(key, referencesOf(key)).contains(ownerId);
        if (memberCache.size() >= CACHE) {
            memberCache.clear();
        }
        memberCache.put(key, member);
        return member;
    }

    /** The references of a resource's current version, as the host's extractor indexes them. */
    List<IndexedReference> referencesOf(ResourceKey key) {
        Optional<StoredResource> stored = reader.read(key);
        if (stored.isEmpty() || stored.get().deleted() || stored.get().json() == null) {
            return List.of();
        }
        try {
            return extractor.extract(ctx.newJsonParser().parseResource(stored.get().json()));
        } catch (DataFormatException | IllegalArgumentException e) {
            LOG.warn("{} does not parse as FHIR JSON, its references are not read: {}", key,
                    e.getMessage());
            return List.of();
        }
    }
}
