package com.fhirpurge.core.internal;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import com.fhirpurge.core.DryRunReport;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceFinder;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceKeys;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.ResourceReader;
import com.fhirpurge.spi.StoredResource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A patient purge without the erase: pages through the compartment as a purge would, counting per type, reading
 * each member's references to find those also in other patients' compartments, and asking the finder for the
 * references into each page from outside the compartment. Memory stays bounded: a page, the listed items, and a
 * membership cache that is cleared when it fills.
 */
public final class DryRun {

    private static final Logger LOG = LoggerFactory.getLogger(DryRun.class);
    private static final int CACHE = 10_000;
    private static final int MAX_REFERRERS = 100_000;

    private final ResourceFinder finder;
    private final ResourceReader reader;
    private final CompartmentDefinition compartment;
    private final FhirContext ctx;
    private final ReferenceExtractor extractor;
    private final int batchSize;

    /**
     * Creates a dry run.
     *
     * @param finder        finds members and referrers
     * @param reader        reads members and referrers for their references
     * @param compartment   the compartment a purge erases
     * @param localBaseUrls the bases under which absolute references are local
     * @param batchSize     the page size
     */
    public DryRun(ResourceFinder finder, ResourceReader reader, CompartmentDefinition compartment,
                  List<String> localBaseUrls, int batchSize) {
        this.finder = finder;
        this.reader = reader;
        this.compartment = compartment;
        this.ctx = FhirContext.forR4Cached();
        this.extractor = new ReferenceExtractor(ctx, localBaseUrls);
        this.batchSize = batchSize;
    }

    /**
     * Runs the dry run of one patient.
     *
     * @param patientId the patient
     * @return the patient's report
     */
    public DryRunReport.Patient of(String patientId) {
        CompartmentScope scope = new CompartmentScope(compartment, patientId);
        Map<String, Long> counts = new TreeMap<>();
        List<DryRunReport.Shared> shared = new ArrayList<>();
        long sharedCount = 0;
        List<IndexedReference> outside = new ArrayList<>();
        long outsideCount = 0;
        Map<ResourceKey, Boolean> memberCache = new HashMap<>();
        String token = null;
        do {
            ResourcePage page = finder.findMembers(scope, token, batchSize);
            Set<ResourceKey> inPage = new HashSet<>(page.items());
            for (ResourceKey k : page.items()) {
                counts.merge(k.type(), 1L, Long::sum);
                List<String> others = otherOwners(k, patientId);
                if (!others.isEmpty()) {
                    sharedCount++;
                    if (shared.size() < DryRunReport.LISTED) {
                        shared.add(new DryRunReport.Shared(k, others));
                    }
                }
            }
            for (IndexedReference r : referrersOf(page.items())) {
                if (inPage.contains(r.source()) || isMember(r.source(), patientId, memberCache)) {
                    continue;
                }
                outsideCount++;
                if (outside.size() < DryRunReport.LISTED) {
                    outside.add(r);
                }
            }
            token = page.nextPageToken();
        } while (token != null);
        return new DryRunReport.Patient(patientId, counts, sharedCount, shared, outsideCount, outside);
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
            LOG.warn("dry run: more than {} references into {} resources; reading them one by one", limit,
                    slice.size());
            for (ResourceKey k : slice) {
                List<IndexedReference> one = finder.findReferrers(List.of(k), MAX_REFERRERS);
                if (one.size() == MAX_REFERRERS) {
                    LOG.warn("dry run: {} has more than {} referrers; the first {} are counted", k, MAX_REFERRERS,
                            MAX_REFERRERS);
                }
                rows.addAll(one);
            }
        }
        return rows;
    }

    /** The patients other than {@code ownerId} whose compartments also hold {@code member}. */
    private List<String> otherOwners(ResourceKey member, String ownerId) {
        Set<String> others = new TreeSet<>();
        if (member.type().equals(compartment.code()) && !member.id().equals(ownerId)) {
            others.add(member.id());
        }
        for (IndexedReference r : referencesOf(member)) {
            if (r.target().type().equals(compartment.code()) && !r.target().id().equals(ownerId)
                    && compartment.isMemberParam(member.type(), r.paramName())) {
                others.add(r.target().id());
            }
        }
        return List.copyOf(others);
    }

    /** Whether a resource is in the owner's compartment: the owner itself, or a reference through a member param. */
    private boolean isMember(ResourceKey key, String ownerId, Map<ResourceKey, Boolean> cache) {
        if (key.type().equals(compartment.code()) && key.id().equals(ownerId)) {
            return true;
        }
        Boolean known = cache.get(key);
        if (known != null) {
            return known;
        }
        boolean member = referencesOf(key).stream().anyMatch(r -> r.target().type().equals(compartment.code())
                && r.target().id().equals(ownerId) && compartment.isMemberParam(key.type(), r.paramName()));
        if (cache.size() >= CACHE) {
            cache.clear();
        }
        cache.put(key, member);
        return member;
    }

    /** The references of a resource's current version, as the host's extractor indexes them. */
    private List<IndexedReference> referencesOf(ResourceKey key) {
        Optional<StoredResource> stored = reader.read(key);
        if (stored.isEmpty() || stored.get().deleted() || stored.get().json() == null) {
            return List.of();
        }
        try {
            return extractor.extract(ctx.newJsonParser().parseResource(stored.get().json()));
        } catch (DataFormatException | IllegalArgumentException e) {
            LOG.warn("dry run: {} does not parse as FHIR JSON, its references are not read: {}", key,
                    e.getMessage());
            return List.of();
        }
    }
}
