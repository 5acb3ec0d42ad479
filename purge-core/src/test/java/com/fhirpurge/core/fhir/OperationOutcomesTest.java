package com.fhirpurge.core.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fhirpurge.core.Issue;
import java.util.List;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.junit.jupiter.api.Test;

class OperationOutcomesTest {

    private static final OperationOutcomes OUTCOMES = new OperationOutcomes(TestFhir.R4);

    private static OperationOutcome parse(String json) {
        return TestFhir.R4.newJsonParser().parseResource(OperationOutcome.class, json);
    }

    @Test
    void issuesAreRenderedInOrderWithAllFields() {
        String json = OUTCOMES.render(List.of(
                Issue.error("value", "Invalid patient id 'a_b'", "Parameters.parameter[2].value"),
                new Issue(Issue.Severity.WARNING, "not-supported", "Ignored '_since'", null),
                new Issue(Issue.Severity.INFORMATION, "informational", "3 patients queued", null),
                new Issue(Issue.Severity.FATAL, "exception", "boom", null)));

        List<OperationOutcomeIssueComponent> issues = parse(json).getIssue();
        assertThat(issues).hasSize(4);
        OperationOutcomeIssueComponent first = issues.get(0);
        assertThat(first.getSeverity()).isEqualTo(IssueSeverity.ERROR);
        assertThat(first.getCode()).isEqualTo(IssueType.VALUE);
        assertThat(first.getDiagnostics()).isEqualTo("Invalid patient id 'a_b'");
        assertThat(first.getExpression()).extracting(Object::toString).containsExactly("Parameters.parameter[2].value");
        assertThat(first.getLocation()).extracting(Object::toString).containsExactly("Parameters.parameter[2].value");
        assertThat(issues.get(1).getSeverity()).isEqualTo(IssueSeverity.WARNING);
        assertThat(issues.get(1).getCode()).isEqualTo(IssueType.NOTSUPPORTED);
        assertThat(issues.get(1).hasExpression()).isFalse();
        assertThat(issues.get(1).hasLocation()).isFalse();
        assertThat(issues.get(2).getSeverity()).isEqualTo(IssueSeverity.INFORMATION);
        assertThat(issues.get(3).getSeverity()).isEqualTo(IssueSeverity.FATAL);
        assertThat(json).doesNotContain("\n");
    }

    @Test
    void singleIssueAndErrorShortcut() {
        OperationOutcome one = parse(OUTCOMES.render(Issue.error("too-costly", "Too many", "Parameters.parameter")));
        assertThat(one.getIssue()).singleElement().satisfies(i -> {
            assertThat(i.getCode()).isEqualTo(IssueType.TOOCOSTLY);
            assertThat(i.getExpression().get(0).getValue()).isEqualTo("Parameters.parameter");
        });

        OperationOutcome error = parse(OUTCOMES.error("not-found", "No job 42"));
        assertThat(error.getIssue()).singleElement().satisfies(i -> {
            assertThat(i.getSeverity()).isEqualTo(IssueSeverity.ERROR);
            assertThat(i.getCode()).isEqualTo(IssueType.NOTFOUND);
            assertThat(i.getDiagnostics()).isEqualTo("No job 42");
            assertThat(i.hasExpression()).isFalse();
        });
    }

    @Test
    void unknownIssueCodeIsRefused() {
        assertThatThrownBy(() -> OUTCOMES.error("success", "R4 has no success code"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("success");
    }

    @Test
    void everyIssueOfAParserRefusalRenders() {
        OperationOutcome oo = OUTCOMES.toOperationOutcome(List.of(
                Issue.error("required", "x", null), Issue.error("structure", "x", null),
                Issue.error("invalid", "x", null), Issue.error("throttled", "x", null),
                Issue.error("lock-error", "x", null), Issue.error("business-rule", "x", null)));
        assertThat(oo.getIssue()).extracting(i -> i.getCode().toCode())
                .containsExactly("required", "structure", "invalid", "throttled", "lock-error", "business-rule");
    }
}
