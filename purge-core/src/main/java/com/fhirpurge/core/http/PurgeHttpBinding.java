package com.fhirpurge.core.http;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.DryRunReport;
import com.fhirpurge.core.InvalidRequestException;
import com.fhirpurge.core.Issue;
import com.fhirpurge.core.JobNotFoundException;
import com.fhirpurge.core.PatientStatus;
import com.fhirpurge.core.PurgeJobStatus;
import com.fhirpurge.core.PurgeRequest;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.core.fhir.BulkDeleteStatusRenderer;
import com.fhirpurge.core.fhir.OperationOutcomes;
import com.fhirpurge.core.fhir.DryRunRenderer;
import com.fhirpurge.core.fhir.PurgeRequestParser;
import com.fhirpurge.core.fhir.StatusRenderer;
import com.fhirpurge.core.internal.TaskStateMachine;
import com.fhirpurge.spi.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The patient purge and bulk delete endpoints over HTTP, independent of any web framework:
 *
 * <ul>
 *   <li>{@code POST [base]/Patient/$bulk-purge} with a {@code Parameters} body of {@code patientId}s, and
 *       {@code POST [base]/Patient/[id]/$purge}: 202 with {@code Content-Location: [base]/Patient-bulk-purge/[job]}.
 *       {@code Prefer: respond-async} is required (400 without it).</li>
 *   <li>{@code GET [base]/Patient-bulk-purge/[job]}: 200 with the status {@code Parameters}, one {@code result} per
 *       patient, exactly as the specification shows; an {@code X-Progress} header while the job runs.</li>
 *   <li>{@code DELETE [base]/Patient-bulk-purge/[job]}: 202, the job stops at its next batch boundary; 409 when it
 *       already finished.</li>
 *   <li>{@code DELETE [base]/$bulk-delete} and {@code DELETE [base]/[type]/$bulk-delete} (also {@code $bulkDelete})
 *       with FHIR search criteria, {@code _hardDelete}, {@code _purgeHistory} and {@code excludedResourceTypes}:
 *       202 with {@code Content-Location: [base]/_operations/bulk-delete/[job]}. {@code GET} that URL: 202 with an
 *       {@code X-Progress} header and the counts so far while the job runs; 200 with a {@code Parameters} of
 *       {@code ResourceDeletedCount} per type once completed, or cancelled (with an issue saying so); 500 with an
 *       {@code OperationOutcome} naming each failed type and the counts so far when it failed. {@code DELETE}
 *       that URL: 202, 409 when already finished. Bulk delete needs a {@code system/} or {@code user/} scope with
 *       delete and search on the type ({@code system/*.ds} at system level).</li>
 * </ul>
 *
 * <p>Every error body is an {@code OperationOutcome}: 400 for bad input (nothing is created), 401 without
 * credentials, 403 for insufficient scope or a patient outside a {@code patient/} scope's context, 404 for unknown
 * paths and jobs, 405 for a wrong method (with {@code Allow}), 406 for an {@code Accept} that rules out FHIR JSON,
 * 413 for a body over the limit, 415 for a non-JSON body, 429 with {@code Retry-After} when
 * {@link HttpBindingConfig#maxActiveJobs()} jobs still have work or a job's status is polled faster than
 * {@link HttpBindingConfig#minPollInterval()}, 503 when the store is transiently unavailable.
 *
 * <p><b>Authorization</b> (when {@link HttpBindingConfig#authRequired()}): the caller needs
 * {@code system/}, {@code user/} or {@code patient/} + {@link HttpBindingConfig#purgeOperation()}. A {@code patient/}
 * scope may purge, and see the jobs of, only the patient in the caller's patient context; another patient's job
 * answers 404, so its existence is not revealed.
 *
 * <p><b>Threading:</b> thread-safe; one instance serves all requests.
 */
public final class PurgeHttpBinding {

    private static final Logger LOG = LoggerFactory.getLogger(PurgeHttpBinding.class);
    private static final String FHIR_JSON = Responses.FHIR_JSON;
    private static final String STATUS_PATH = "Patient-bulk-purge";

    private final PurgeService service;
    private final HttpBindingConfig config;
    private final PurgeRequestParser parser;
    private final DryRunRenderer dryRunRenderer;
    private final StatusRenderer renderer;
    private final Responses responses;
    private final PollLimiter polls;
    private final BulkDeleteEndpoints bulkDelete;

    /**
     * Creates the binding.
     *
     * @param service the purge service
     * @param ctx     an R4 context, shared
     * @param config  the binding's configuration
     */
    public PurgeHttpBinding(PurgeService service, FhirContext ctx, HttpBindingConfig config) {
        this.service = Objects.requireNonNull(service, "service");
        this.config = Objects.requireNonNull(config, "config");
        this.parser = new PurgeRequestParser(ctx);
        this.dryRunRenderer = new DryRunRenderer(ctx);
        this.renderer = new StatusRenderer(ctx);
        this.responses = new Responses(new OperationOutcomes(ctx), config);
        this.polls = new PollLimiter(config.minPollInterval(), System::nanoTime);
        this.bulkDelete = new BulkDeleteEndpoints(service, config, responses, new BulkDeleteStatusRenderer(ctx),
                polls);
    }

    /**
     * Whether this binding serves a path, so a host that mounts it beside other handlers can route.
     *
     * @param path the path below the FHIR base
     * @return {@code true} for the purge operation and status paths
     */
    public boolean serves(String path) {
        String[] s = segments(path);
        return (s.length == 2 && s[0].equals("Patient") && s[1].equals("$bulk-purge"))
                || (s.length == 3 && s[0].equals("Patient") && s[2].equals("$purge"))
                || (s.length == 2 && s[0].equals(STATUS_PATH))
                || BulkDeleteEndpoints.isKickOff(s) || BulkDeleteEndpoints.isStatus(s);
    }

    /**
     * Handles one request. Never throws: every failure becomes an {@code OperationOutcome} response.
     *
     * @param request the request
     * @return the response
     */
    public HttpResponse handle(HttpRequest request) {
        try {
            return route(request);
        } catch (InvalidRequestException e) {
            return outcome(e.httpStatus(), e.issues());
        } catch (JobNotFoundException e) {
            return error(404, "not-found", "No job " + e.jobId());
        } catch (StoreException e) {
            // The driver's message may name internal hosts: it goes to the log, not to the client.
            if (e.isTransient()) {
                LOG.warn("purge request {} {}: the store is unavailable: {}", request.method(), request.path(),
                        e.getMessage());
                HttpResponse r = error(503, "transient", "The store is unavailable; retry later");
                return withHeader(r, "Retry-After", Integer.toString(config.retryAfter()));
            }
            LOG.error("purge request {} {} failed in the store", request.method(), request.path(), e);
            return error(500, "exception", "The store failed; the server log has the details");
        } catch (RuntimeException e) {
            LOG.error("purge request {} {} failed", request.method(), request.path(), e);
            return error(500, "exception", "Internal error");
        }
    }

    private HttpResponse route(HttpRequest request) {
        String[] s = segments(request.path());
        if (s.length == 2 && s[0].equals("Patient") && s[1].equals("$bulk-purge")) {
            return onlyPost(request) ? bulkPurge(request) : methodNotAllowed("POST");
        }
        if (s.length == 3 && s[0].equals("Patient") && s[2].equals("$purge")) {
            return onlyPost(request) ? purge(request, s[1]) : methodNotAllowed("POST");
        }
        if (s.length == 2 && s[0].equals(STATUS_PATH)) {
            return switch (request.method()) {
                case "GET" -> status(request, s[1]);
                case "DELETE" -> cancel(request, s[1]);
                default -> methodNotAllowed("GET, DELETE");
            };
        }
        if (BulkDeleteEndpoints.isKickOff(s)) {
            return bulkDelete.kickOff(request, s);
        }
        if (BulkDeleteEndpoints.isStatus(s)) {
            return bulkDelete.status(request, s[2]);
        }
        return error(404, "not-found", "No purge operation at '" + request.path() + "'");
    }

    private static boolean onlyPost(HttpRequest request) {
        return request.method().equals("POST");
    }

    private HttpResponse bulkPurge(HttpRequest request) {
        return kickOff(request, () -> parser.parseKickOff(request.body(), service.config().maxPatientsPerJob()));
    }

    private HttpResponse purge(HttpRequest request, String rawId) {
        return kickOff(request, () -> {
            PurgeRequestParser.KickOff body = parser.parseSinglePatient(request.body());
            return new PurgeRequestParser.KickOff(List.of(PurgeRequestParser.validatePatientId(rawId)),
                    body.reason(), body.dryRun(), body.outsideReferences(), body.sharedResources());
        });
    }

    /** {@code _dryRun} in the query: {@code true} or {@code false}, at most once. */
    private static boolean dryRunQuery(HttpRequest request) {
        List<String> values = request.query().getOrDefault(PurgeRequestParser.DRY_RUN, List.of());
        if (values.isEmpty()) {
            return false;
        }
        if (values.size() > 1 || !(values.get(0).equals("true") || values.get(0).equals("false"))) {
            throw InvalidRequestException.badRequest("value", "'" + PurgeRequestParser.DRY_RUN
                    + "' must be given once, as true or false", PurgeRequestParser.DRY_RUN);
        }
        return values.get(0).equals("true");
    }

    /**
     * The checks of a kick-off, in order: body size and type, credentials and scope, Prefer, the patients. A dry run
     * ({@code _dryRun=true} in the query or the body) needs no {@code Prefer}: it answers 200 at once with what a purge
     * would erase, and stores no job.
     */
    private HttpResponse kickOff(HttpRequest request, Supplier<PurgeRequestParser.KickOff> parsed) {
        HttpResponse refused = checkBody(request);
        if (refused == null) {
            refused = authenticate(request);
        }
        if (refused != null) {
            return refused;
        }
        boolean dryRun = dryRunQuery(request);
        PurgeRequestParser.KickOff kickOff;
        if (dryRun) {
            kickOff = parsed.get();
        } else {
            try {
                PurgeRequestParser.requireRespondAsync(request.header("Prefer"));
                kickOff = parsed.get();
            } catch (InvalidRequestException noPrefer) {
                kickOff = dryRunOrRethrow(parsed, noPrefer);
            }
        }
        if (dryRun || kickOff.dryRun()) {
            return dryRun(request, kickOff);
        }
        if (config.maxActiveJobs() > 0 && service.countActiveJobs() >= config.maxActiveJobs()) {
            return responses.throttled("Too many jobs are running (limit " + config.maxActiveJobs()
                    + "); retry later");
        }
        return submit(request, kickOff);
    }

    /** Without {@code Prefer: respond-async} a kick-off is refused, unless its body asks for a dry run. */
    private static PurgeRequestParser.KickOff dryRunOrRethrow(Supplier<PurgeRequestParser.KickOff> parsed,
                                                              InvalidRequestException noPrefer) {
        PurgeRequestParser.KickOff kickOff;
        try {
            kickOff = parsed.get();
        } catch (InvalidRequestException badBody) {
            throw noPrefer;
        }
        if (!kickOff.dryRun()) {
            throw noPrefer;
        }
        return kickOff;
    }

    private HttpResponse dryRun(HttpRequest request, PurgeRequestParser.KickOff kickOff) {
        HttpResponse forbidden = authorizePatients(request.caller(), kickOff.patientIds());
        if (forbidden != null) {
            return forbidden;
        }
        DryRunReport report = service.dryRun(new PurgeRequest(kickOff.patientIds(), null));
        return new HttpResponse(200, Map.of("Content-Type", FHIR_JSON), dryRunRenderer.render(report));
    }

    private HttpResponse submit(HttpRequest request, PurgeRequestParser.KickOff kickOff) {
        List<String> patientIds = kickOff.patientIds();
        HttpResponse forbidden = authorizePatients(request.caller(), patientIds);
        if (forbidden != null) {
            return forbidden;
        }
        String requester = request.caller() == null ? null : request.caller().subject();
        String jobId = service.submitPatientPurge(kickOff.toRequest(requester));
        return withHeader(responses.accepted("Accepted: purge of " + patientIds.size() + " patient(s) as job "
                + jobId), "Content-Location", config.baseUrl() + "/" + STATUS_PATH + "/" + jobId);
    }

    private HttpResponse status(HttpRequest request, String jobId) {
        HttpResponse unauthenticated = authenticate(request);
        if (unauthenticated != null) {
            return unauthenticated;
        }
        PurgeJobStatus status = visibleJob(request.caller(), jobId);
        if (!polls.tryPoll(jobId)) {
            return responses.throttled("Purge job " + jobId + " was polled too often; wait "
                    + config.minPollInterval().toMillis() + " ms between polls");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", FHIR_JSON);
        if (!status.isFinished()) {
            long done = status.patients().stream().filter(p -> TaskStateMachine.isFinal(p.state())).count();
            headers.put("X-Progress", done + " of " + status.patients().size() + " patients done, "
                    + status.purgedResourcesCount() + " resources purged");
        }
        return new HttpResponse(200, headers, renderer.render(status.patients()));
    }

    private HttpResponse cancel(HttpRequest request, String jobId) {
        HttpResponse unauthenticated = authenticate(request);
        if (unauthenticated != null) {
            return unauthenticated;
        }
        PurgeJobStatus status = visibleJob(request.caller(), jobId);
        if (status.isFinished()) {
            return error(409, "conflict", "Purge job " + jobId + " already finished (" + status.state().code()
                    + "); nothing to cancel");
        }
        service.cancel(jobId);
        return responses.accepted("Cancel requested for purge job " + jobId + "; patients being purged stop at their "
                + "next batch, what was purged stays purged");
    }

    /** The job, if the caller may see it; a patient-scoped caller sees only jobs of its own patient. */
    private PurgeJobStatus visibleJob(Caller caller, String jobId) {
        PurgeJobStatus status = service.findJob(jobId).orElseThrow(() -> new JobNotFoundException(jobId));
        if (config.authRequired() && !hasBroadScope(caller)) {
            for (PatientStatus p : status.patients()) {
                if (!p.patientId().equals(caller.patientContext())) {
                    throw new JobNotFoundException(jobId);
                }
            }
        }
        return status;
    }

    // ------------------------------------------------------------------------------------------------ auth

    /** 401 without credentials, 403 without any purge scope; {@code null} when the caller may go on. */
    private HttpResponse authenticate(HttpRequest request) {
        if (!config.authRequired()) {
            return null;
        }
        Caller caller = request.caller();
        if (caller == null) {
            HttpResponse r = error(401, "login", "Authentication required: send a bearer token");
            return withHeader(r, "WWW-Authenticate", "Bearer realm=\"fhir\"");
        }
        if (!hasBroadScope(caller) && !caller.scopes().contains("patient/" + config.purgeOperation())) {
            return insufficientScope("The token lacks a purge scope: one of " + String.join(", ",
                    config.purgeScopes()) + " is required");
        }
        return null;
    }

    private HttpResponse authorizePatients(Caller caller, List<String> patientIds) {
        if (!config.authRequired() || hasBroadScope(caller)) {
            return null;
        }
        for (String id : patientIds) {
            if (!id.equals(caller.patientContext())) {
                return insufficientScope("A patient/ scope may purge only the patient in its context ("
                        + (caller.patientContext() == null ? "none" : caller.patientContext()) + "), not " + id);
            }
        }
        return null;
    }

    private boolean hasBroadScope(Caller caller) {
        Set<String> scopes = caller.scopes();
        return scopes.contains("system/" + config.purgeOperation()) || scopes.contains("user/" + config.purgeOperation());
    }

    private HttpResponse insufficientScope(String message) {
        HttpResponse r = error(403, "forbidden", message);
        return withHeader(r, "WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\""
                + String.join(" ", config.purgeScopes()) + "\"");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** 413 over the size limit, 415 for a declared non-JSON body; {@code null} when the body may be parsed. */
    private HttpResponse checkBody(HttpRequest request) {
        if (request.body().getBytes(StandardCharsets.UTF_8).length > config.maxBodyBytes()) {
            return error(413, "too-long", "The request body exceeds " + config.maxBodyBytes() + " bytes");
        }
        String contentType = request.header("Content-Type");
        if (contentType != null && !request.body().isEmpty()) {
            String mime = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!mime.equals(FHIR_JSON) && !mime.equals("application/json") && !mime.equals("application/json+fhir")) {
                return error(415, "not-supported", "Content-Type '" + mime + "' is not supported; send "
                        + FHIR_JSON);
            }
        }
        return null;
    }

    private HttpResponse methodNotAllowed(String allow) {
        return responses.methodNotAllowed(allow);
    }

    private HttpResponse error(int status, String code, String diagnostics) {
        return responses.error(status, code, diagnostics);
    }

    private HttpResponse outcome(int status, List<Issue> issues) {
        return responses.outcome(status, issues);
    }

    private static HttpResponse withHeader(HttpResponse r, String name, String value) {
        return Responses.withHeader(r, name, value);
    }

    private static String[] segments(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }
}
