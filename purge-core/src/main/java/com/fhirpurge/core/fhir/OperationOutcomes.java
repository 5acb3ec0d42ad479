package com.fhirpurge.core.fhir;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.Issue;
import java.util.List;
import java.util.Objects;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;

/**
 * Renders {@link Issue}s as an R4 {@code OperationOutcome} in compact FHIR JSON, with HAPI's JSON parser.
 *
 * <p>Each issue becomes one {@code issue} with {@code severity}, {@code code} and {@code diagnostics}; a non-null
 * expression is written to both {@code expression} and the deprecated {@code location} (for R4 clients that only
 * read the latter).
 *
 * <p>Thread-safe after construction (a new HAPI parser is created per call).
 */
public final class OperationOutcomes {

    private final FhirContext ctx;

    /**
     * Creates a renderer.
     *
     * @param ctx an R4 context, shared
     * @throws NullPointerException when {@code ctx} is null
     */
    public OperationOutcomes(FhirContext ctx) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
    }

    /**
     * Builds the HAPI object for a list of issues.
     *
     * @param issues the issues, in order; may be empty
     * @return a new OperationOutcome
     * @throws IllegalArgumentException when an issue code is not an R4 IssueType code
     * @throws NullPointerException     when the list or an issue is null
     */
    public OperationOutcome toOperationOutcome(List<Issue> issues) {
        OperationOutcome oo = new OperationOutcome();
        for (Issue issue : issues) {
            OperationOutcomeIssueComponent c = oo.addIssue();
            c.setSeverity(IssueSeverity.fromCode(issue.severity().code()));
            c.setCode(issueType(issue.code()));
            c.setDiagnostics(issue.diagnostics());
            if (issue.expression() != null) {
                c.addExpression(issue.expression());
                c.addLocation(issue.expression());
            }
        }
        return oo;
    }

    /**
     * Renders a list of issues.
     *
     * @param issues the issues, in order
     * @return compact FHIR JSON of an OperationOutcome
     * @throws IllegalArgumentException when an issue code is not an R4 IssueType code
     * @throws NullPointerException     when the list or an issue is null
     */
    public String render(List<Issue> issues) {
        return ctx.newJsonParser().setPrettyPrint(false).encodeResourceToString(toOperationOutcome(issues));
    }

    /**
     * Renders one issue.
     *
     * @param issue the issue
     * @return compact FHIR JSON of an OperationOutcome with one issue
     * @throws IllegalArgumentException when the issue code is not an R4 IssueType code
     * @throws NullPointerException     when {@code issue} is null
     */
    public String render(Issue issue) {
        return render(List.of(Objects.requireNonNull(issue, "issue")));
    }

    /**
     * Renders one error issue without a location.
     *
     * @param code        an R4 IssueType code, e.g. {@code not-found}
     * @param diagnostics the message
     * @return compact FHIR JSON of an OperationOutcome with one error issue
     * @throws IllegalArgumentException when the code is not an R4 IssueType code
     * @throws NullPointerException     when an argument is null
     */
    public String error(String code, String diagnostics) {
        return render(Issue.error(code, diagnostics, null));
    }

    private static IssueType issueType(String code) {
        try {
            return IssueType.fromCode(code);
        } catch (org.hl7.fhir.exceptions.FHIRException e) {
            throw new IllegalArgumentException("Not an R4 IssueType code: '" + code + "'", e);
        }
    }
}
