package com.fhirpurge.core.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.util.FhirTerser;
import com.fhirpurge.spi.IndexEntry;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TimeZone;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a resource into the reference index rows a store keeps: one {@link IndexedReference} per
 * (search parameter, target) for every search parameter of type {@code reference} of the resource's type, not only
 * the compartment ones; and into its search index entries ({@link IndexEntry}, see
 * {@link #extractSearchIndex(IBaseResource)}) for the {@code string}, {@code token} and {@code date} parameters.
 *
 * <p><b>How paths are evaluated.</b> HAPI's FHIRPath engine ({@code FhirContext.newFhirPath()}) needs the optional
 * UCUM library, which is not on the classpath with {@code hapi-fhir-structures-r4} alone (it fails with
 * {@code NoClassDefFoundError: org/fhir/ucum/UcumException}). The R4 reference parameters only use a small subset
 * of FHIRPath, so each expression branch is compiled once, at construction, into a simple element path that
 * {@link FhirTerser#getValues(IBase, String)} evaluates, a cast ({@code as Reference}, {@code ofType(Reference)})
 * that keeps only references, and a {@code .where(resolve() is X)} filter applied to the target's type. Branches
 * outside that subset ({@code relatedArtifact.where(type='…').resource}, {@code Bundle.entry[0].resource}) and casts
 * to {@code canonical}/{@code uri} never yield a {@code Reference} in R4 and are skipped (logged at DEBUG once).
 *
 * <p><b>Target normalization.</b> A reference is parsed strictly: {@code Type/id} or
 * {@code Type/id/_history/version}, with an R4 resource type and an id following the FHIR id rule, indexes as
 * {@code Type/id}. An absolute reference indexes the same way <em>only</em> when it starts with one of this server's
 * own base URLs (given at construction); a reference to any other server is never a local resource and is skipped,
 * so purging local {@code Patient/1} can never erase a record that points at another server's {@code Patient/1}.
 * A reference holding only an embedded resource is indexed by that resource's {@code Type/id}, as HAPI's encoder
 * writes it. Skipped: contained ({@code #x}) and identifier-only references, {@code urn:} references, anything with
 * extra path segments ({@code Observation/5/../Patient/1}), conditional references ({@code Type?query}) and targets
 * whose type is not an R4 resource type.
 *
 * <p>Thread-safe after construction; one instance per {@link FhirContext} is enough.
 */
public final class ReferenceExtractor {

    /** The {@code display} a removed reference keeps when nothing else is left of it. */
    public static final String REMOVED_DISPLAY = "Reference removed: the resource was purged";

    private static final Logger LOG = LoggerFactory.getLogger(ReferenceExtractor.class);
    private static final String REFERENCE = "Reference";
    private static final TimeZone UTC = TimeZone.getTimeZone("UTC");

    private static final Pattern RELATIVE =
            Pattern.compile("([A-Z][A-Za-z]{0,63})/([A-Za-z0-9\\-.]{1,64})(?:/_history/[A-Za-z0-9\\-.]{1,64})?");

    private final FhirContext ctx;
    private final List<String> localBases;
    private final Set<String> resourceTypes;
    private final Map<String, List<CompiledSearchParams.Param>> paramsByType;
    private final List<String> skippedExpressions;
    private final SearchIndexExtractor searchIndex;

    /**
     * Compiles the reference search parameters of every resource type of the context; absolute references are all
     * treated as pointing at other servers.
     *
     * @param ctx an R4 context, shared
     * @throws NullPointerException when {@code ctx} is null
     */
    public ReferenceExtractor(FhirContext ctx) {
        this(ctx, List.of());
    }

    /**
     * Compiles the reference search parameters of every resource type of the context.
     *
     * @param ctx        an R4 context, shared
     * @param localBases this server's own base URLs (e.g. {@code https://example.org/fhir}); absolute references
     *                   starting with one of them are local, all others point at other servers and are skipped
     * @throws NullPointerException when an argument is null
     */
    public ReferenceExtractor(FhirContext ctx, Collection<String> localBases) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        List<String> bases = new ArrayList<>();
        for (String base : localBases) {
            String b = base.strip();
            while (b.endsWith("/")) {
                b = b.substring(0, b.length() - 1);
            }
            bases.add(b + "/");
        }
        this.localBases = List.copyOf(bases);
        this.resourceTypes = Set.copyOf(ctx.getResourceTypes());
        List<String> skipped = new ArrayList<>();
        this.paramsByType = CompiledSearchParams.compile(ctx, Set.of(RestSearchParameterTypeEnum.REFERENCE),
                sp -> true, p -> p.castType() == null || REFERENCE.equals(p.castType()), skipped);
        this.skippedExpressions = List.copyOf(skipped);
        LOG.debug("Reference extraction skips {} expression branches that cannot hold a Reference: {}",
                skipped.size(), skipped);
        this.searchIndex = new SearchIndexExtractor(ctx);
    }

    /**
     * Extracts the reference index rows of a resource, de-duplicated (same parameter and target once), in
     * parameter-name order, then document order.
     *
     * @param resource a resource with a logical id
     * @return the rows, every row's source being the resource's key; empty when it references nothing
     * @throws IllegalArgumentException when the resource has no id
     * @throws NullPointerException     when {@code resource} is null
     */
    public List<IndexedReference> extract(IBaseResource resource) {
        ResourceKey source = keyOf(resource);
        FhirTerser terser = ctx.newTerser();
        Set<IndexedReference> rows = new LinkedHashSet<>();
        for (CompiledSearchParams.Param param : paramsByType.getOrDefault(source.type(), List.of())) {
            for (CompiledSearchParams.Branch branch : param.branches()) {
                for (IBase value : terser.getValues(resource, branch.terserPath())) {
                    if (!(value instanceof IBaseReference reference)) {
                        continue;
                    }
                    ResourceKey target = targetOf(reference);
                    if (target != null && accepts(branch, target)) {
                        rows.add(new IndexedReference(source, param.name(), target));
                    }
                }
            }
        }
        return List.copyOf(rows);
    }

    /**
     * Extracts the search index entries of a resource: one entry per value of every {@code string}, {@code token}
     * and {@code date} search parameter of its type, de-duplicated, in parameter order, then document order.
     * Parameters whose name starts with {@code _} ({@code _id}, {@code _lastUpdated}, …) are not indexed. Strings
     * are normalized with {@link BulkDeleteRequestParser#normalize(String)}; dates become the half-open UTC range
     * their precision covers (a value without time zone is read as UTC), a {@code Period} its start to its end with
     * open ends as {@link Instant#MIN} / {@link Instant#MAX}. Expression branches beyond the supported FHIRPath
     * subset (such as {@code telecom.where(system='phone')}) are skipped.
     *
     * @param resource a resource (it needs no id)
     * @return the entries; empty when it has no indexed values
     * @throws NullPointerException when {@code resource} is null
     */
    public List<IndexEntry> extractSearchIndex(IBaseResource resource) {
        Objects.requireNonNull(resource, "resource");
        return searchIndex.extract(resource);
    }

    /**
     * Prepares a resource for a {@link com.fhirpurge.spi.ResourceWriter}: sets {@code meta.lastUpdated} on the given
     * resource (it is modified) to {@code lastUpdated} truncated to milliseconds, in UTC, encodes it with HAPI's JSON
     * parser (compact, id included) and attaches its reference rows and its search index entries
     * ({@link #extractSearchIndex(IBaseResource)}).
     *
     * <p>Not safe to call concurrently for the same resource object (it is mutated); otherwise thread-safe.
     *
     * @param resource    a resource with a logical id
     * @param lastUpdated the version's time; the returned write carries it truncated to milliseconds, matching the
     *                    JSON
     * @return the write
     * @throws IllegalArgumentException when the resource has no id
     * @throws NullPointerException     when an argument is null
     */
    public ResourceWrite toWrite(IBaseResource resource, Instant lastUpdated) {
        Objects.requireNonNull(lastUpdated, "lastUpdated");
        ResourceKey key = keyOf(resource);
        Instant millis = lastUpdated.truncatedTo(ChronoUnit.MILLIS);
        if (resource instanceof Resource r4) {
            InstantType instant = new InstantType(Date.from(millis), TemporalPrecisionEnum.MILLI, UTC);
            instant.setTimeZoneZulu(true); // with the UTC zone alone HAPI writes "+00:00"
            r4.getMeta().setLastUpdatedElement(instant);
        } else {
            resource.getMeta().setLastUpdated(Date.from(millis));
        }
        IParser parser = ctx.newJsonParser().setPrettyPrint(false);
        String json = parser.encodeResourceToString(resource);
        return new ResourceWrite(key, json, millis, extract(resource), extractSearchIndex(resource));
    }

    /** Search index expression branches (as {@code Type.param: expression}) skipped as not evaluable. */
    List<String> skippedSearchIndexExpressions() {
        return searchIndex.skippedExpressions();
    }

    /** Expression branches (as {@code Type.param: expression}) skipped because they never yield a Reference. */
    List<String> skippedExpressions() {
        return skippedExpressions;
    }

    private ResourceKey keyOf(IBaseResource resource) {
        Objects.requireNonNull(resource, "resource");
        String type = ctx.getResourceType(resource);
        IIdType id = resource.getIdElement();
        if (id == null || !id.hasIdPart() || id.getIdPart().isBlank()) {
            throw new IllegalArgumentException("A " + type + " resource without an id cannot be indexed or written");
        }
        return new ResourceKey(type, id.getIdPart());
    }

    /**
     * Removes from a resource every reference to one of {@code targets}: the reference's {@code reference} is cleared
     * and, when nothing else is left of it, a {@code display} says why, so a required element stays present.
     *
     * @param resource the resource, changed in place
     * @param targets  the resources no longer referenced
     * @return how many references were removed
     */
    public int removeReferences(IBaseResource resource, Set<ResourceKey> targets) {
        int removed = 0;
        for (Reference r : ctx.newTerser().getAllPopulatedChildElementsOfType(resource, Reference.class)) {
            ResourceKey target = targetOf(r);
            if (target != null && targets.contains(target)) {
                r.setReference(null);
                r.setResource(null);
                if (!r.hasIdentifier() && !r.hasDisplay()) {
                    r.setDisplay(REMOVED_DISPLAY);
                }
                removed++;
            }
        }
        return removed;
    }

    /**
     * The local resource a reference points at, by the rules the index is built with: relative {@code Type/id}
     * (a version suffix ignored), absolute under a local base, or an embedded resource with an id; {@code null} for
     * identifier-only, contained, {@code urn:} and foreign references.
     *
     * @param reference the reference element
     * @return the target, or {@code null} when it is not a local resource
     */
    public ResourceKey localTarget(IBaseReference reference) {
        return targetOf(reference);
    }

    private ResourceKey targetOf(IBaseReference reference) {
        IIdType id = reference.getReferenceElement();
        if (id == null || id.isEmpty()) {
            IBaseResource embedded = reference.getResource();
            if (embedded == null || embedded.getIdElement() == null || embedded.getIdElement().isEmpty()
                    || embedded.getIdElement().isLocal()) {
                return null; // identifier-only / display-only reference, or an embedded resource HAPI would contain
            }
            IIdType embeddedId = embedded.getIdElement();
            String type = embeddedId.hasResourceType() ? embeddedId.getResourceType() : ctx.getResourceType(embedded);
            return parse(type + "/" + embeddedId.getIdPart());
        }
        String value = id.getValue();
        if (value == null || value.startsWith("#") || value.startsWith("urn:")) {
            return null;
        }
        if (value.contains("://")) {
            for (String base : localBases) {
                if (value.startsWith(base)) {
                    return parse(value.substring(base.length()));
                }
            }
            return null;
        }
        return parse(value);
    }

    /** {@code Type/id} or {@code Type/id/_history/v} with a known type and a valid id, else {@code null}. */
    private ResourceKey parse(String relative) {
        Matcher m = RELATIVE.matcher(relative);
        if (!m.matches() || !resourceTypes.contains(m.group(1))) {
            return null;
        }
        return new ResourceKey(m.group(1), m.group(2));
    }

    private static boolean accepts(CompiledSearchParams.Branch branch, ResourceKey target) {
        return branch.resolveFilter() == null || branch.resolveFilter().equals(target.type());
    }
}
