package com.fhirpurge.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.StrictErrorHandler;
import com.fhirpurge.core.InvalidRequestException;
import com.fhirpurge.core.Issue;
import com.fhirpurge.core.PurgeInProgress;
import com.fhirpurge.core.fhir.FhirIds;
import com.fhirpurge.core.fhir.OperationOutcomes;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.core.http.Caller;
import com.fhirpurge.core.http.HttpRequest;
import com.fhirpurge.core.http.HttpResponse;
import com.fhirpurge.core.http.SmartScopes;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.StoreException;
import com.fhirpurge.spi.StoredResource;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.ResourceInteractionComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.SystemInteractionComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.SystemRestfulInteraction;
import org.hl7.fhir.r4.model.CapabilityStatement.TypeRestfulInteraction;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Enumerations.FHIRVersion;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal FHIR R4 REST API over the server's store, so any FHIR client can load and inspect data:
 * {@code GET metadata}, {@code PUT [type]/[id]}, {@code POST [type]}, {@code POST} of a {@code batch} or
 * {@code transaction} Bundle, {@code GET [type]/[id]} (404 unknown or purged, 410 soft-deleted),
 * {@code GET [type]/[id]/_history}, {@code GET [type]/[id]/_history/[vid]} and {@code DELETE [type]/[id]} (soft).
 * No search.
 *
 * <p>Resource types are checked against HAPI FHIR's R4 types and ids against the FHIR id rule before anything is
 * read or written; bodies are parsed with HAPI's JSON parser in strict mode (unknown elements refused). Every error
 * is an {@code OperationOutcome}; a malformed request never writes.
 *
 * <p><b>Authorization</b> (when required): SMART v2 ({@code cruds}) or v1 ({@code read}/{@code write}/{@code *})
 * scopes at the {@code system/} or {@code user/} level, for the resource type or {@code *}: {@code r} for reads and
 * history, {@code c} for create, {@code u} for update, {@code d} for delete; a Bundle needs the permission of each
 * entry. {@code patient/} scopes do not grant REST access in this reference server (checking compartment membership
 * of arbitrary resources is out of its scope). {@code metadata} is public.
 *
 * <p>Thread-safe.
 */
public final class FhirRestApi {

    private static final Logger LOG = LoggerFactory.getLogger(FhirRestApi.class);
    private static final String FHIR_JSON = "application/fhir+json";
    private static final int HISTORY_LIMIT = 1000;
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC).withLocale(Locale.ROOT);

    private final FhirContext ctx;
    private final ServerStorage storage;
    private final ReferenceExtractor extractor;
    private final OperationOutcomes outcomes;
    private final String baseUrl;
    private final boolean authRequired;
    private final InstantSource clock;
    private final Set<String> resourceTypes;
    private final String capabilityStatement;
    private final Function<ResourceWrite, Optional<PurgeInProgress>> writeFence;

    /**
     * Creates the API.
     *
     * @param ctx          an R4 context, shared
     * @param storage      the store
     * @param baseUrl      the FHIR base URL, without trailing slash
     * @param authRequired whether a verified caller with scopes is required
     * @param clock        the time source for {@code lastUpdated}
     * @param writeFence   answers whether a write runs into a patient purge in progress (then it is refused with
     *                     409), e.g. {@code purgeService::purgeInProgressFor}
     */
    public FhirRestApi(FhirContext ctx, ServerStorage storage, String baseUrl, boolean authRequired,
                       InstantSource clock, Function<ResourceWrite, Optional<PurgeInProgress>> writeFence) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.storage = Objects.requireNonNull(storage, "storage");
        this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        this.authRequired = authRequired;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.writeFence = Objects.requireNonNull(writeFence, "writeFence");
        // Absolute references under this server's base are local; all others point at other servers.
        this.extractor = new ReferenceExtractor(ctx, List.of(baseUrl));
        this.outcomes = new OperationOutcomes(ctx);
        this.resourceTypes = Set.copyOf(ctx.getResourceTypes());
        this.capabilityStatement = ctx.newJsonParser().encodeResourceToString(capabilities());
    }

    /**
     * Handles one request. Never throws: every failure becomes an {@code OperationOutcome} response.
     *
     * @param request the request; its path below the base, already percent-decoded segment by segment
     * @return the response
     */
    public HttpResponse handle(HttpRequest request) {
        try {
            return route(request);
        } catch (InvalidRequestException e) {
            return outcome(e.httpStatus(), e.issues());
        } catch (StoreException e) {
            if (e.isTransient()) {
                return withHeader(error(503, "transient", "The store is unavailable, retry later"), "Retry-After", "5");
            }
            LOG.error("REST request {} {} failed in the store", request.method(), request.path(), e);
            return error(500, "exception", "The store failed");
        } catch (RuntimeException e) {
            LOG.error("REST request {} {} failed", request.method(), request.path(), e);
            return error(500, "exception", "Internal error");
        }
    }

    private HttpResponse route(HttpRequest r) {
        String p = r.path();
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        String[] s = p.isEmpty() ? new String[0] : p.split("/", -1);
        String m = r.method();
        if (s.length == 0) {
            return m.equals("POST") ? bundle(r) : methodNotAllowed("POST");
        }
        if (s.length == 1 && s[0].equals("metadata")) {
            return m.equals("GET") ? json(200, capabilityStatement) : methodNotAllowed("GET");
        }
        String type = s[0];
        if (!resourceTypes.contains(type)) {
            return error(404, "not-supported", "Unknown resource type or path '" + shorten(type) + "'");
        }
        if (s.length == 1) {
            return m.equals("POST") ? create(r, type) : methodNotAllowed("POST");
        }
        String id = requireId(s[1]);
        ResourceKey key = ResourceKey.of(type, id);
        if (s.length == 2) {
            return switch (m) {
                case "GET" -> read(r, key);
                case "PUT" -> update(r, key);
                case "DELETE" -> delete(r, key);
                default -> methodNotAllowed("GET, PUT, DELETE");
            };
        }
        if (s.length == 3 && s[2].equals("_history")) {
            return m.equals("GET") ? history(r, key) : methodNotAllowed("GET");
        }
        if (s.length == 4 && s[2].equals("_history")) {
            long version = requireVersion(s[3]);
            return m.equals("GET") ? vread(r, key, version) : methodNotAllowed("GET");
        }
        return error(404, "not-found", "No FHIR interaction at '" + shorten(p) + "'");
    }

    // ------------------------------------------------------------------------------------------------ reads

    private HttpResponse read(HttpRequest r, ResourceKey key) {
        HttpResponse refused = authorize(r.caller(), key.type(), 'r');
        if (refused != null) {
            return refused;
        }
        Optional<StoredResource> current = storage.reader().read(key);
        if (current.isEmpty()) {
            return error(404, "not-found", "Resource " + key + " is not known");
        }
        if (current.get().deleted()) {
            return withHeader(error(410, "deleted", "Resource " + key + " was deleted (version "
                    + current.get().version() + ")"), "ETag", etag(current.get().version()));
        }
        return resourceResponse(200, current.get(), false);
    }

    private HttpResponse vread(HttpRequest r, ResourceKey key, long version) {
        HttpResponse refused = authorize(r.caller(), key.type(), 'r');
        if (refused != null) {
            return refused;
        }
        for (StoredResource v : storage.reader().history(key, HISTORY_LIMIT)) {
            if (v.version() == version) {
                return v.deleted() ? error(410, "deleted", "Version " + version + " of " + key + " is a deletion")
                        : resourceResponse(200, v, false);
            }
        }
        return error(404, "not-found", "Version " + version + " of " + key + " is not known");
    }

    private HttpResponse history(HttpRequest r, ResourceKey key) {
        HttpResponse refused = authorize(r.caller(), key.type(), 'r');
        if (refused != null) {
            return refused;
        }
        List<StoredResource> versions = storage.reader().history(key, HISTORY_LIMIT);
        if (versions.isEmpty()) {
            return error(404, "not-found", "Resource " + key + " is not known");
        }
        Bundle b = new Bundle();
        b.setId(UUID.randomUUID().toString());
        b.setType(BundleType.HISTORY);
        b.setTotal(versions.size());
        b.getMeta().setLastUpdatedElement(instant(clock.instant()));
        b.addLink().setRelation("self").setUrl(baseUrl + "/" + key + "/_history");
        for (StoredResource v : versions) {
            BundleEntryComponent e = b.addEntry();
            e.setFullUrl(baseUrl + "/" + key);
            Bundle.BundleEntryResponseComponent response = e.getResponse();
            response.setEtag(etag(v.version())).setLastModified(Date.from(v.lastUpdated()));
            if (v.deleted()) {
                e.getRequest().setMethod(HTTPVerb.DELETE).setUrl(key.toString());
                response.setStatus("204 No Content");
            } else {
                e.setResource(withMeta(v));
                e.getRequest().setMethod(v.version() == 1 ? HTTPVerb.POST : HTTPVerb.PUT)
                        .setUrl(v.version() == 1 ? key.type() : key.toString());
                response.setStatus(v.version() == 1 ? "201 Created" : "200 OK");
            }
        }
        return json(200, ctx.newJsonParser().encodeResourceToString(b));
    }

    // ------------------------------------------------------------------------------------------------ writes

    private HttpResponse create(HttpRequest r, String type) {
        HttpResponse refused = authorize(r.caller(), type, 'c');
        if (refused != null) {
            return refused;
        }
        Resource resource = parseBody(r, type);
        resource.setIdElement(new IdType(type, UUID.randomUUID().toString()));
        return writeOne(resource);
    }

    private HttpResponse update(HttpRequest r, ResourceKey key) {
        HttpResponse refused = authorize(r.caller(), key.type(), 'u');
        if (refused != null) {
            return refused;
        }
        Resource resource = parseBody(r, key.type());
        String bodyId = resource.getIdElement().getIdPart();
        if (bodyId != null && !bodyId.equals(key.id())) {
            throw InvalidRequestException.badRequest("invalid", "The body's id '" + shorten(bodyId)
                    + "' differs from the URL's id '" + key.id() + "'", "Resource.id");
        }
        resource.setIdElement(new IdType(key.type(), key.id()));
        return writeOne(resource);
    }

    private HttpResponse writeOne(Resource resource) {
        ResourceWrite write = prepare(resource, clock.instant());
        requireNoPurge(write, null);
        long version = write(List.of(write)).get(0);
        StoredResource stored = new StoredResource(write.key(), version, write.lastUpdated(), false, write.json());
        HttpResponse response = resourceResponse(version == 1 ? 201 : 200, stored, true);
        return withHeader(response, "Location", baseUrl + "/" + write.key() + "/_history/" + version);
    }

    private HttpResponse delete(HttpRequest r, ResourceKey key) {
        HttpResponse refused = authorize(r.caller(), key.type(), 'd');
        if (refused != null) {
            return refused;
        }
        List<ResourceKey> deleted = storage.eraser().softDelete(List.of(key), clock.instant());
        if (deleted.isEmpty() && storage.reader().read(key).isEmpty()) {
            return error(404, "not-found", "Resource " + key + " is not known");
        }
        return new HttpResponse(204, Map.of(), "");
    }

    /**
     * The write fence: a write into the compartment of a patient being purged is a 409 (the purge would erase it,
     * and the writer should know why it is refused).
     */
    private void requireNoPurge(ResourceWrite write, String expression) {
        Optional<PurgeInProgress> purge = writeFence.apply(write);
        if (purge.isPresent()) {
            throw new InvalidRequestException(409, List.of(Issue.error("conflict", write.key() + " is in the "
                    + "compartment of Patient/" + purge.get().patientId() + ", which is being purged (job "
                    + purge.get().jobId() + "); writes into it are refused until the purge has ended", expression)));
        }
    }

    /** Writes through the store; content the store cannot hold (a reserved field name, say) is a 400. */
    private List<Long> write(List<ResourceWrite> writes) {
        try {
            return storage.writer().write(writes);
        } catch (IllegalArgumentException e) {
            throw InvalidRequestException.badRequest("invalid", "The resource cannot be stored: "
                    + shorten(e.getMessage()), null);
        }
    }

    /** Clears the version (the store assigns it), sets {@code lastUpdated} and extracts the reference rows. */
    private ResourceWrite prepare(Resource resource, Instant now) {
        resource.getMeta().setVersionId(null);
        try {
            return extractor.toWrite(resource, now);
        } catch (IllegalArgumentException e) {
            throw InvalidRequestException.badRequest("invalid", "The resource cannot be stored: "
                    + shorten(e.getMessage()), null);
        }
    }

    // ------------------------------------------------------------------------------------------------ bundles

    /** One checked entry of a batch or transaction. */
    private record Entry(int index, Resource resource, ResourceKey key, boolean post, String fullUrl) {
    }

    private HttpResponse bundle(HttpRequest r) {
        if (authRequired && r.caller() == null) {
            return unauthenticated();
        }
        Resource parsed = parseBody(r, "Bundle");
        Bundle bundle = (Bundle) parsed;
        if (bundle.getType() != BundleType.TRANSACTION && bundle.getType() != BundleType.BATCH) {
            throw InvalidRequestException.badRequest("invalid", "POST [base] takes a batch or transaction Bundle, not "
                    + (bundle.getType() == null ? "a Bundle without type" : "type " + bundle.getType().toCode()),
                    "Bundle.type");
        }
        boolean transaction = bundle.getType() == BundleType.TRANSACTION;
        List<Entry> entries = new ArrayList<>();
        Map<Integer, HttpResponse> failed = new HashMap<>();
        List<Issue> issues = new ArrayList<>();
        Set<ResourceKey> seen = new HashSet<>();
        Set<String> fullUrls = new HashSet<>();
        for (int i = 0; i < bundle.getEntry().size(); i++) {
            try {
                Entry e = checkEntry(bundle.getEntry().get(i), i, r.caller());
                if (!seen.add(e.key())) {
                    throw InvalidRequestException.badRequest("invalid", "Resource " + e.key()
                            + " appears twice in the Bundle", "Bundle.entry[" + i + "]");
                }
                if (e.fullUrl() != null && !fullUrls.add(e.fullUrl())) {
                    throw InvalidRequestException.badRequest("invalid", "fullUrl '" + shorten(e.fullUrl())
                            + "' appears twice in the Bundle", "Bundle.entry[" + i + "].fullUrl");
                }
                entries.add(e);
            } catch (InvalidRequestException e) {
                if (transaction && e.httpStatus() != 400) {
                    return outcome(e.httpStatus(), e.issues());
                }
                issues.addAll(e.issues());
                failed.put(i, outcome(e.httpStatus(), e.issues()));
            }
        }
        if (transaction && !issues.isEmpty()) {
            return outcome(400, issues);
        }
        Map<String, String> resolved = new HashMap<>();
        for (Entry e : entries) {
            if (e.fullUrl() != null) {
                resolved.put(e.fullUrl(), e.key().toString());
            }
        }
        Instant now = clock.instant();
        List<Entry> writable = new ArrayList<>();
        List<ResourceWrite> writes = new ArrayList<>();
        for (Entry e : entries) {
            try {
                rewriteReferences(e, resolved);
                ResourceWrite w = prepare(e.resource(), now);
                requireNoPurge(w, "Bundle.entry[" + e.index() + "]");
                writes.add(w);
                writable.add(e);
            } catch (InvalidRequestException ex) {
                if (transaction) {
                    return outcome(ex.httpStatus(), ex.issues());
                }
                failed.put(e.index(), outcome(ex.httpStatus(), ex.issues()));
            }
        }
        List<Long> versions = writes.isEmpty() ? List.of() : write(writes);
        Bundle out = new Bundle();
        out.setId(UUID.randomUUID().toString());
        out.setType(transaction ? BundleType.TRANSACTIONRESPONSE : BundleType.BATCHRESPONSE);
        Map<Integer, Integer> written = new HashMap<>();
        for (int j = 0; j < writable.size(); j++) {
            written.put(writable.get(j).index(), j);
        }
        for (int i = 0; i < bundle.getEntry().size(); i++) {
            BundleEntryComponent e = out.addEntry();
            Integer j = written.get(i);
            if (j != null) {
                ResourceWrite w = writes.get(j);
                long v = versions.get(j);
                e.setFullUrl(baseUrl + "/" + w.key());
                e.getResponse().setStatus(v == 1 ? "201 Created" : "200 OK")
                        .setLocation(w.key() + "/_history/" + v).setEtag(etag(v))
                        .setLastModified(Date.from(w.lastUpdated()));
            } else {
                HttpResponse f = failed.get(i);
                e.getResponse().setStatus(f.status() + " " + reason(f.status()))
                        .setOutcome((Resource) ctx.newJsonParser().parseResource(f.body()));
            }
        }
        return json(200, ctx.newJsonParser().encodeResourceToString(out));
    }

    private Entry checkEntry(BundleEntryComponent entry, int i, Caller caller) {
        String at = "Bundle.entry[" + i + "]";
        if (!entry.hasRequest() || entry.getRequest().getMethod() == null || !entry.getRequest().hasUrl()) {
            throw InvalidRequestException.badRequest("required", "Entry " + i + " needs request.method and request.url",
                    at + ".request");
        }
        Bundle.BundleEntryRequestComponent req = entry.getRequest();
        if (req.hasIfNoneExist() || req.hasIfMatch() || req.hasIfNoneMatch() || req.hasIfModifiedSince()) {
            throw InvalidRequestException.badRequest("not-supported", "Conditional interactions are not supported",
                    at + ".request");
        }
        HTTPVerb method = req.getMethod();
        if (method != HTTPVerb.POST && method != HTTPVerb.PUT) {
            throw InvalidRequestException.badRequest("not-supported", "Entry " + i + ": only POST and PUT are"
                    + " supported in a Bundle, not " + method.toCode(), at + ".request.method");
        }
        String url = req.getUrl();
        if (url.startsWith(baseUrl + "/")) {
            url = url.substring(baseUrl.length() + 1);
        }
        if (url.indexOf('?') >= 0) {
            throw InvalidRequestException.badRequest("not-supported", "Conditional interactions are not supported",
                    at + ".request.url");
        }
        String[] parts = url.split("/", -1);
        if (!(method == HTTPVerb.POST && parts.length == 1) && !(method == HTTPVerb.PUT && parts.length == 2)) {
            throw InvalidRequestException.badRequest("value", "Entry " + i + ": request.url must be [type] for POST"
                    + " and [type]/[id] for PUT, was '" + shorten(req.getUrl()) + "'", at + ".request.url");
        }
        String type = parts[0];
        if (!resourceTypes.contains(type)) {
            throw InvalidRequestException.badRequest("value", "Entry " + i + ": unknown resource type '"
                    + shorten(type) + "'", at + ".request.url");
        }
        if (!entry.hasResource()) {
            throw InvalidRequestException.badRequest("required", "Entry " + i + " has no resource", at + ".resource");
        }
        Resource resource = entry.getResource();
        String bodyType = ctx.getResourceType(resource);
        if (!bodyType.equals(type)) {
            throw InvalidRequestException.badRequest("invalid", "Entry " + i + ": a " + bodyType + " sent to "
                    + type, at + ".resource");
        }
        String id;
        if (method == HTTPVerb.PUT) {
            id = parts[1];
            if (!FhirIds.isValid(id)) {
                throw InvalidRequestException.badRequest("value", "Entry " + i + ": '" + shorten(id)
                        + "' is not a valid FHIR id", at + ".request.url");
            }
            String bodyId = resource.getIdElement().getIdPart();
            if (bodyId != null && !bodyId.equals(id) && !resource.getIdElement().getValue().startsWith("urn:")) {
                throw InvalidRequestException.badRequest("invalid", "Entry " + i + ": the resource id differs from"
                        + " the request URL", at + ".resource.id");
            }
        } else {
            id = UUID.randomUUID().toString();
        }
        char permission = method == HTTPVerb.POST ? 'c' : 'u';
        if (authRequired && !permits(caller, type, permission)) {
            throw new InvalidRequestException(403, List.of(Issue.error("forbidden", "Entry " + i + " needs scope "
                    + "system/" + type + "." + permission, at)));
        }
        resource.setIdElement(new IdType(type, id));
        String fullUrl = entry.hasFullUrl() ? entry.getFullUrl() : null;
        return new Entry(i, resource, ResourceKey.of(type, id), method == HTTPVerb.POST, fullUrl);
    }

    /** Points references to other entries' {@code fullUrl}s at the ids they were given; refuses dangling urns. */
    private void rewriteReferences(Entry e, Map<String, String> resolved) {
        for (Reference ref : ctx.newTerser().getAllPopulatedChildElementsOfType(e.resource(), Reference.class)) {
            String target = ref.getReference();
            if (target == null) {
                continue;
            }
            String to = resolved.get(target);
            if (to != null) {
                ref.setReference(to);
            } else if (target.startsWith("urn:uuid:") || target.startsWith("urn:oid:")) {
                throw InvalidRequestException.badRequest("not-found", "Entry " + e.index() + " references '"
                        + shorten(target) + "', which no entry of the Bundle has as fullUrl",
                        "Bundle.entry[" + e.index() + "].resource");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ parsing

    private Resource parseBody(HttpRequest r, String expectedType) {
        String contentType = r.header("Content-Type");
        if (contentType != null) {
            String mime = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!mime.equals(FHIR_JSON) && !mime.equals("application/json") && !mime.equals("application/json+fhir")) {
                throw new InvalidRequestException(415, List.of(Issue.error("not-supported", "Content-Type '"
                        + shorten(mime) + "' is not supported; send " + FHIR_JSON, null)));
            }
        }
        if (r.body().isBlank()) {
            throw InvalidRequestException.badRequest("required", "A " + expectedType + " resource body is required",
                    null);
        }
        IBaseResource parsed;
        try {
            IParser parser = ctx.newJsonParser();
            parser.setParserErrorHandler(new StrictErrorHandler());
            parsed = parser.parseResource(r.body());
        } catch (RuntimeException | StackOverflowError e) {
            throw InvalidRequestException.badRequest("structure", "The body is not a valid FHIR JSON resource: "
                    + shorten(String.valueOf(e.getMessage())), null);
        }
        if (!(parsed instanceof Resource resource)) {
            throw InvalidRequestException.badRequest("structure", "The body is not an R4 resource", null);
        }
        String type = ctx.getResourceType(resource);
        if (!type.equals(expectedType)) {
            throw InvalidRequestException.badRequest("invalid", "Expected a " + expectedType + " resource, got "
                    + type, "resourceType");
        }
        return resource;
    }

    private static String requireId(String id) {
        if (!FhirIds.isValid(id)) {
            throw InvalidRequestException.badRequest("value", "'" + shorten(id) + "' is not a valid FHIR id (1 to 64"
                    + " of A-Z a-z 0-9 - .)", null);
        }
        return id;
    }

    private static long requireVersion(String v) {
        if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw InvalidRequestException.badRequest("value", "'" + shorten(v) + "' is not a version number", null);
        }
        return Long.parseLong(v);
    }

    // ------------------------------------------------------------------------------------------------ auth

    private HttpResponse authorize(Caller caller, String type, char permission) {
        if (!authRequired) {
            return null;
        }
        if (caller == null) {
            return unauthenticated();
        }
        if (permits(caller, type, permission)) {
            return null;
        }
        String needed = "system/" + type + "." + permission;
        return withHeader(error(403, "forbidden", "The token lacks a scope allowing '" + permission + "' on " + type
                        + ", e.g. " + needed + " or user/" + type + "." + permission),
                "WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + needed + "\"");
    }

    /** Whether the caller's SMART scopes grant the permission on the type. */
    static boolean permits(Caller caller, String type, char permission) {
        return SmartScopes.permits(caller, type, permission);
    }

    private HttpResponse unauthenticated() {
        return withHeader(error(401, "login", "Authentication required: send a bearer token"),
                "WWW-Authenticate", "Bearer realm=\"fhir\"");
    }

    // ------------------------------------------------------------------------------------------------ responses

    private Resource withMeta(StoredResource v) {
        Resource resource = (Resource) ctx.newJsonParser().parseResource(v.json());
        resource.getMeta().setVersionId(Long.toString(v.version()));
        resource.getMeta().setLastUpdatedElement(instant(v.lastUpdated()));
        return resource;
    }

    private HttpResponse resourceResponse(int status, StoredResource v, boolean created) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", FHIR_JSON + ";charset=utf-8");
        headers.put("ETag", etag(v.version()));
        headers.put("Last-Modified", HTTP_DATE.format(v.lastUpdated()));
        if (!created) {
            headers.put("Content-Location", baseUrl + "/" + v.key() + "/_history/" + v.version());
        }
        return new HttpResponse(status, headers, ctx.newJsonParser().encodeResourceToString(withMeta(v)));
    }

    private static InstantType instant(Instant at) {
        InstantType t = new InstantType(Date.from(at), ca.uhn.fhir.model.api.TemporalPrecisionEnum.MILLI,
                java.util.TimeZone.getTimeZone("UTC"));
        t.setTimeZoneZulu(true);
        return t;
    }

    private static String etag(long version) {
        return "W/\"" + version + "\"";
    }

    private HttpResponse json(int status, String body) {
        return new HttpResponse(status, Map.of("Content-Type", FHIR_JSON + ";charset=utf-8"), body);
    }

    private HttpResponse methodNotAllowed(String allow) {
        return withHeader(error(405, "not-supported", "Method not allowed here; allowed: " + allow), "Allow", allow);
    }

    private HttpResponse error(int status, String code, String diagnostics) {
        return outcome(status, List.of(Issue.error(code, diagnostics, null)));
    }

    private HttpResponse outcome(int status, List<Issue> issues) {
        return new HttpResponse(status, Map.of("Content-Type", FHIR_JSON + ";charset=utf-8"),
                outcomes.render(issues));
    }

    private static HttpResponse withHeader(HttpResponse r, String name, String value) {
        Map<String, String> headers = new LinkedHashMap<>(r.headers());
        headers.put(name, value);
        return new HttpResponse(r.status(), headers, r.body());
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 409 -> "Conflict";
            default -> "Error";
        };
    }

    /** Caps echoed input (ids, types, messages) so an error body never grows with the request. */
    static String shorten(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 100; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > 100 ? b + "..." : b.toString();
    }

    // ------------------------------------------------------------------------------------------------ metadata

    private CapabilityStatement capabilities() {
        CapabilityStatement cs = new CapabilityStatement();
        cs.setStatus(PublicationStatus.ACTIVE);
        cs.setDate(Date.from(Instant.parse("2026-01-01T00:00:00Z")));
        cs.setKind(CapabilityStatement.CapabilityStatementKind.INSTANCE);
        cs.setFhirVersion(FHIRVersion._4_0_1);
        cs.addFormat("json");
        cs.addFormat(FHIR_JSON);
        cs.getSoftware().setName("fhir-purge reference server");
        cs.getImplementation().setDescription("fhir-purge: patient purge and a minimal FHIR REST API")
                .setUrl(baseUrl);
        CapabilityStatementRestComponent rest = cs.addRest();
        rest.setMode(CapabilityStatement.RestfulCapabilityMode.SERVER);
        if (authRequired) {
            rest.getSecurity().addService(new CodeableConcept(new Coding(
                    "http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR",
                    "SMART-on-FHIR"))).setDescription("Bearer tokens (HS256 JWTs) with SMART scopes");
        }
        rest.addInteraction(new SystemInteractionComponent().setCode(SystemRestfulInteraction.TRANSACTION));
        rest.addInteraction(new SystemInteractionComponent().setCode(SystemRestfulInteraction.BATCH));
        rest.addOperation().setName("bulk-delete")
                .setDefinition("urn:fhir-purge:OperationDefinition:bulk-delete")
                .setDocumentation("DELETE [base]/$bulk-delete or [base]/[type]/$bulk-delete (also $bulkDelete) with"
                        + " FHIR search criteria, _hardDelete, _purgeHistory, excludedResourceTypes and Prefer:"
                        + " respond-async: 202 and Content-Location [base]/_operations/bulk-delete/[job]; GET that URL"
                        + " for the ResourceDeletedCount Parameters, DELETE it to cancel");
        for (String type : new TreeSet<>(resourceTypes)) {
            CapabilityStatementRestResourceComponent res = rest.addResource().setType(type);
            for (TypeRestfulInteraction i : List.of(TypeRestfulInteraction.READ, TypeRestfulInteraction.VREAD,
                    TypeRestfulInteraction.UPDATE, TypeRestfulInteraction.CREATE, TypeRestfulInteraction.DELETE,
                    TypeRestfulInteraction.HISTORYINSTANCE)) {
                res.addInteraction(new ResourceInteractionComponent().setCode(i));
            }
            res.setVersioning(CapabilityStatement.ResourceVersionPolicy.VERSIONED);
            res.setReadHistory(true);
            res.setUpdateCreate(true);
            if (type.equals("Patient")) {
                res.addOperation().setName("purge")
                        .setDefinition("http://hl7.org/fhir/OperationDefinition/Patient-purge")
                        .setDocumentation("POST [base]/Patient/[id]/$purge with Prefer: respond-async: 202 and"
                                + " Content-Location [base]/Patient-bulk-purge/[job]");
                res.addOperation().setName("bulk-purge")
                        .setDefinition("urn:fhir-purge:OperationDefinition:Patient-bulk-purge")
                        .setDocumentation("POST [base]/Patient/$bulk-purge with a Parameters body of patientId"
                                + " values and Prefer: respond-async: 202 and Content-Location"
                                + " [base]/Patient-bulk-purge/[job]; GET that URL for the status Parameters,"
                                + " DELETE it to cancel");
            }
        }
        return cs;
    }
}
