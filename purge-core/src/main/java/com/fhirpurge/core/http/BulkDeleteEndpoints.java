package com.fhirpurge.core.http;

import com.fhirpurge.core.BulkDeleteRequest;
import com.fhirpurge.core.BulkDeleteStatus;
import com.fhirpurge.core.Issue;
import com.fhirpurge.core.JobNotFoundException;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.core.ResourceTypeStatus;
import com.fhirpurge.core.fhir.BulkDeleteStatusRenderer;
import com.fhirpurge.core.fhir.PurgeRequestParser;
import com.fhirpurge.core.internal.TaskStateMachine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The bulk delete endpoints: kick-off ({@code DELETE [base]/$bulk-delete}, {@code DELETE [base]/[type]/$bulk-delete},
 * also spelled {@code $bulkDelete}), status ({@code GET [base]/_operations/bulk-delete/[job]}) and cancel
 * ({@code DELETE} on the status URL).
 *
 * <p><b>Authorization</b> (when required): a bulk delete is a set of deletes driven by a search, so the caller needs
 * a {@code system/} or {@code user/} SMART scope granting both {@code d} and {@code s} on the type (or on {@code *};
 * a system-level request needs {@code *}), as {@link SmartScopes} reads them: v2 {@code system/Observation.ds},
 * {@code system/*.cruds}, or v1 {@code system/*.*} (or {@code .read} with {@code .write}). Constrained scopes ({@code ?param=value}) are not enough, since the request's criteria cannot be
 * proven narrower; {@code patient/} scopes never are. Reading or cancelling a job needs such a scope on any type.
 * {@link HttpBindingConfig#bulkDeleteScope()} adds a scope every bulk delete caller must hold besides.
 */
final class BulkDeleteEndpoints {

    /** The status path below the base, before the job id. */
    static final String STATUS_PATH = "_operations/bulk-delete";

    private static final Set<String> OPERATIONS = Set.of("$bulk-delete", "$bulkDelete");

    private final PurgeService service;
    private final HttpBindingConfig config;
    private final Responses responses;
    private final BulkDeleteStatusRenderer renderer;
    private final PollLimiter polls;

    BulkDeleteEndpoints(PurgeService service, HttpBindingConfig config, Responses responses,
                        BulkDeleteStatusRenderer renderer, PollLimiter polls) {
        this.service = service;
        this.config = config;
        this.responses = responses;
        this.renderer = renderer;
        this.polls = polls;
    }

    /** Whether the path is a kick-off: {@code $bulk-delete} or {@code [type]/$bulk-delete}. */
    static boolean isKickOff(String[] s) {
        return (s.length == 1 && OPERATIONS.contains(s[0])) || (s.length == 2 && OPERATIONS.contains(s[1]));
    }

    /** Whether the path is a status URL. */
    static boolean isStatus(String[] s) {
        return s.length == 3 && s[0].equals("_operations") && s[1].equals("bulk-delete");
    }

    HttpResponse kickOff(HttpRequest request, String[] s) {
        if (!request.method().equals("DELETE")) {
            return responses.methodNotAllowed("DELETE");
        }
        String type = s.length == 2 ? s[0] : null;
        HttpResponse refused = authorize(request.caller(), type == null ? "*" : type);
        if (refused != null) {
            return refused;
        }
        PurgeRequestParser.requireRespondAsync(request.header("Prefer"));
        HttpResponse notAcceptable = checkAccept(request.header("Accept"));
        if (notAcceptable != null) {
            return notAcceptable;
        }
        Map<String, List<String>> query = new LinkedHashMap<>(request.query());
        query.remove("_format");
        query.remove("_pretty");
        String requester = request.caller() == null ? null : request.caller().subject();
        BulkDeleteRequest bulk = new BulkDeleteRequest(type, query, requester);
        if (config.maxActiveJobs() > 0 && service.countActiveJobs() >= config.maxActiveJobs()) {
            // validate first, so a bad request learns what is wrong with it even on a busy server
            service.validateBulkDelete(bulk);
            return responses.throttled("Too many jobs are running (limit " + config.maxActiveJobs()
                    + "); retry later");
        }
        String jobId = service.submitBulkDelete(bulk);
        HttpResponse accepted = responses.accepted("Accepted: bulk delete "
                + (type == null ? "at system level" : "of " + type) + " as job " + jobId);
        return Responses.withHeader(accepted, "Content-Location", statusUrl(jobId));
    }

    HttpResponse status(HttpRequest request, String jobId) {
        HttpResponse refused = authorize(request.caller(), null);
        if (refused != null) {
            return refused;
        }
        return switch (request.method()) {
            case "GET" -> read(jobId);
            case "DELETE" -> cancel(jobId);
            default -> responses.methodNotAllowed("GET, DELETE");
        };
    }

    private HttpResponse read(String jobId) {
        BulkDeleteStatus status = service.findBulkDelete(jobId).orElseThrow(() -> new JobNotFoundException(jobId));
        if (!polls.tryPoll(jobId)) {
            return responses.throttled("Bulk delete job " + jobId + " was polled too often; wait "
                    + config.minPollInterval().toMillis() + " ms between polls");
        }
        return switch (status.state()) {
            case NEW, PROCESSING -> {
                long done = status.types().stream().filter(t -> TaskStateMachine.isFinal(t.state())).count();
                HttpResponse running = Responses.json(202, renderer.render(status, List.of()));
                yield Responses.withHeader(running, "X-Progress", done + " of " + status.types().size()
                        + " resource types done, " + status.deletedCount() + " resources deleted");
            }
            case COMPLETED -> Responses.json(200, renderer.render(status, List.of()));
            case CANCELLED -> Responses.json(200, renderer.render(status, List.of(new Issue(Issue.Severity.WARNING,
                    "informational", "Bulk delete job " + jobId + " was cancelled; the counts are what it deleted "
                    + "before it stopped, and nothing deleted was restored", null))));
            case ERROR -> failed(status);
        };
    }

    /** A failed job: 500 with an issue per failed type and the counts so far. */
    private HttpResponse failed(BulkDeleteStatus status) {
        List<Issue> issues = new ArrayList<>();
        for (ResourceTypeStatus t : status.failedTypes()) {
            issues.add(Issue.error("exception", "Bulk delete of " + t.resourceType() + " failed: "
                    + t.errorReason(), null));
        }
        Map<String, Long> counts = status.deletedByType();
        issues.add(new Issue(Issue.Severity.INFORMATION, "informational", counts.isEmpty()
                ? "Nothing was deleted before the failure"
                : "Deleted before the failure: " + counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                        .collect(Collectors.joining(", ")), null));
        return responses.outcome(500, issues);
    }

    private HttpResponse cancel(String jobId) {
        BulkDeleteStatus status = service.findBulkDelete(jobId).orElseThrow(() -> new JobNotFoundException(jobId));
        if (status.isFinished()) {
            return responses.error(409, "conflict", "Bulk delete job " + jobId + " already finished ("
                    + status.state().code() + "); nothing to cancel");
        }
        service.cancelBulkDelete(jobId);
        return responses.accepted("Cancel requested for bulk delete job " + jobId + "; resource types being deleted "
                + "stop at their next batch, what was deleted stays deleted");
    }

    private String statusUrl(String jobId) {
        return config.baseUrl() + "/" + STATUS_PATH + "/" + jobId;
    }

    /** 406 when an {@code Accept} header rules out FHIR JSON; {@code null} otherwise. */
    private HttpResponse checkAccept(String accept) {
        if (accept == null || accept.isBlank()) {
            return null;
        }
        for (String range : accept.split(",")) {
            String mime = range.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (mime.equals("*/*") || mime.equals("application/*") || mime.equals(Responses.FHIR_JSON)
                    || mime.equals("application/json") || mime.equals("application/json+fhir")) {
                return null;
            }
        }
        return responses.error(406, "not-supported", "Accept '" + accept + "' rules out " + Responses.FHIR_JSON
                + ", the only format of this operation");
    }

    // ------------------------------------------------------------------------------------------ auth

    /**
     * 401 without a caller, 403 without a scope granting delete and search on the type; {@code null} when allowed.
     *
     * @param caller the caller
     * @param type   the resource type, {@code *} for all, {@code null} for any (status reads and cancels)
     */
    private HttpResponse authorize(Caller caller, String type) {
        if (!config.authRequired()) {
            return null;
        }
        if (caller == null) {
            return Responses.withHeader(responses.error(401, "login", "Authentication required: send a bearer token"),
                    "WWW-Authenticate", "Bearer realm=\"fhir\"");
        }
        String extra = config.bulkDeleteScope();
        if (extra != null && !caller.scopes().contains(extra)) {
            return Responses.withHeader(responses.error(403, "forbidden", "A bulk delete needs the scope " + extra),
                    "WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + extra + "\"");
        }
        if (type == null ? grantsDeleteAndSearchOnSomeType(caller)
                : SmartScopes.permits(caller, type, 'd') && SmartScopes.permits(caller, type, 's')) {
            return null;
        }
        String needed = type == null || type.equals("*") ? "system/*.ds" : "system/" + type + ".ds";
        return Responses.withHeader(responses.error(403, "forbidden", "A bulk delete needs a system/ or user/ "
                        + "scope granting delete and search on " + (type == null ? "a resource type"
                        : type.equals("*") ? "every resource type (*)" : type) + ", e.g. " + needed),
                "WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + needed + "\"");
    }

    /** Whether some scope grants delete and search on some type: enough to read and cancel bulk delete jobs. */
    private static boolean grantsDeleteAndSearchOnSomeType(Caller caller) {
        for (String scope : caller.scopes()) {
            int slash = scope.indexOf('/');
            int dot = scope.lastIndexOf('.');
            if (slash >= 0 && dot > slash) {
                String type = scope.substring(slash + 1, dot);
                if (SmartScopes.permits(caller, type, 'd') && SmartScopes.permits(caller, type, 's')) {
                    return true;
                }
            }
        }
        return false;
    }
}
