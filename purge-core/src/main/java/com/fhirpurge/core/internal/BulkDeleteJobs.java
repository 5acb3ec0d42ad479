package com.fhirpurge.core.internal;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.BulkDeleteRequest;
import com.fhirpurge.core.Issue;
import com.fhirpurge.core.fhir.BulkDeleteRequestParser;
import com.fhirpurge.spi.EraseMode;
import com.fhirpurge.spi.JobRecord;
import com.fhirpurge.spi.SearchCriteria;
import com.fhirpurge.spi.SearchCriterion;
import com.fhirpurge.spi.SearchParamType;
import com.fhirpurge.spi.SearchSupport;
import com.fhirpurge.spi.SearchValue;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a bulk delete job keeps its request, and the kick-off check of the store's search support.
 *
 * <p>The job stores the request as it arrived (the resource type and the query, form-encoded), never the parsed
 * criteria: any node re-parses it with the same parser and a clock fixed at the job's creation time, so relative
 * values such as {@code ap} resolve the same on every node and in every retry.
 */
public final class BulkDeleteJobs {

    /** Job parameter: the type of a type-level request (absent at system level). */
    public static final String RESOURCE_TYPE = "resourceType";
    /** Job parameter: the query, form-encoded, names in arrival order. */
    public static final String QUERY = "query";
    /** Job parameter: the erase mode's name, for readers of the job store. */
    public static final String MODE = "mode";

    private BulkDeleteJobs() {
    }

    /**
     * The parameters a bulk delete job stores.
     *
     * @param request the validated request
     * @param mode    the parsed mode
     * @return the job parameters
     */
    public static Map<String, String> parameters(BulkDeleteRequest request, EraseMode mode) {
        Map<String, String> params = new LinkedHashMap<>();
        if (request.resourceType() != null) {
            params.put(RESOURCE_TYPE, request.resourceType());
        }
        params.put(QUERY, encode(request.query()));
        params.put(MODE, mode.name());
        return params;
    }

    /**
     * Parses a stored job's request again, as of its creation time.
     *
     * @param job the bulk delete job
     * @param ctx an R4 context
     * @return the mode and the searches
     */
    public static BulkDeleteRequestParser.Parsed reparse(JobRecord job, FhirContext ctx) {
        BulkDeleteRequestParser parser = new BulkDeleteRequestParser(ctx, InstantSource.fixed(job.createdAt()));
        return parser.parse(job.parameters().get(RESOURCE_TYPE), decode(job.parameters().getOrDefault(QUERY, "")));
    }

    /**
     * The criteria the store cannot answer, one issue each.
     *
     * @param searches the searches of a request
     * @param support  what the store declares
     * @return the issues, empty when the store can answer everything
     */
    public static List<Issue> unsupported(List<SearchCriteria> searches, SearchSupport support) {
        Set<String> problems = new LinkedHashSet<>();
        for (SearchCriteria search : searches) {
            for (SearchCriterion c : search.allOf()) {
                String name = c.parameter() + (c.isChained() ? ":" + c.chainType() + "." + c.chainParameter() : "");
                if (c.isChained() && !support.chains()) {
                    problems.add("This store cannot follow chained parameters such as '" + name + "'");
                }
                for (SearchParamType type : List.of(c.type(), c.valueType())) {
                    if (!support.parameterTypes().contains(type)) {
                        problems.add("This store cannot search " + type.name().toLowerCase(java.util.Locale.ROOT)
                                + " parameters such as '" + name + "'");
                    }
                }
                for (SearchValue v : c.anyOf()) {
                    if (v instanceof SearchValue.StringValue s && !support.stringMatches().contains(s.match())) {
                        problems.add("This store cannot match strings by "
                                + s.match().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                                + " as '" + name + "' asks");
                    }
                }
            }
        }
        return problems.stream().map(p -> Issue.error("not-supported", p, null)).toList();
    }

    static String encode(Map<String, List<String>> query) {
        StringBuilder sb = new StringBuilder();
        query.forEach((name, values) -> {
            for (String value : values) {
                sb.append(sb.length() == 0 ? "" : "&").append(URLEncoder.encode(name, StandardCharsets.UTF_8))
                        .append('=').append(URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8));
            }
        });
        return sb.toString();
    }

    static Map<String, List<String>> decode(String text) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (!text.isEmpty()) {
            for (String pair : text.split("&")) {
                int eq = pair.indexOf('=');
                query.computeIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        k -> new ArrayList<>()).add(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return query;
    }
}
