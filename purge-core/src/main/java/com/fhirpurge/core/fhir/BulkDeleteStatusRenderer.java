package com.fhirpurge.core.fhir;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.BulkDeleteStatus;
import com.fhirpurge.core.Issue;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;

/**
 * Renders a bulk delete's status as the specification shows it: a {@code Parameters} with one
 * {@code ResourceDeletedCount} parameter whose parts are named by resource type, each with a {@code valueDecimal}
 * count written with one decimal place ({@code 10.0}), for the types with at least one deleted resource, in
 * resource type order. With nothing deleted yet the parameter is left out, since a parameter needs a value or
 * parts. Issues to report beside the counts (e.g. that the job was cancelled) go into an {@code Issues}
 * parameter holding an {@code OperationOutcome}.
 *
 * <p>Thread-safe after construction.
 */
public final class BulkDeleteStatusRenderer {

    /** The name of the counts parameter. */
    public static final String DELETED_COUNT = "ResourceDeletedCount";
    /** The name of the parameter that carries issues beside the counts. */
    public static final String ISSUES = "Issues";

    private final FhirContext ctx;
    private final OperationOutcomes outcomes;

    /**
     * Creates a renderer.
     *
     * @param ctx an R4 context, shared
     */
    public BulkDeleteStatusRenderer(FhirContext ctx) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.outcomes = new OperationOutcomes(ctx);
    }

    /**
     * Renders the counts, and the issues when there are any, as compact FHIR JSON.
     *
     * @param status the job's status
     * @param issues issues to report beside the counts, may be empty
     * @return the JSON of a {@code Parameters} resource
     */
    public String render(BulkDeleteStatus status, List<Issue> issues) {
        return ctx.newJsonParser().setPrettyPrint(false).encodeResourceToString(toParameters(status, issues));
    }

    /**
     * Builds the HAPI object {@link #render} encodes.
     *
     * @param status the job's status
     * @param issues issues to report beside the counts, may be empty
     * @return a new {@code Parameters}
     */
    public Parameters toParameters(BulkDeleteStatus status, List<Issue> issues) {
        Parameters parameters = new Parameters();
        Map<String, Long> counts = status.deletedByType();
        if (!counts.isEmpty()) {
            ParametersParameterComponent deleted = parameters.addParameter().setName(DELETED_COUNT);
            counts.forEach((type, count) -> deleted.addPart().setName(type)
                    .setValue(new DecimalType(BigDecimal.valueOf(count).setScale(1))));
        }
        if (!issues.isEmpty()) {
            parameters.addParameter().setName(ISSUES).setResource(outcomes.toOperationOutcome(issues));
        }
        return parameters;
    }
}
