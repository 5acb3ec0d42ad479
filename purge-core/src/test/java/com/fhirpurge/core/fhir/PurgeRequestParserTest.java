package com.fhirpurge.core.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fhirpurge.core.InvalidRequestException;
import com.fhirpurge.core.Issue;
import com.fhirpurge.core.demo.SeedExamples;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class PurgeRequestParserTest {

    static final String SEED_KICKOFF = SeedExamples.BULK_PURGE_KICK_OFF;

    private static final PurgeRequestParser PARSER = new PurgeRequestParser(TestFhir.R4);

    /** A Parameters body whose parameters are the given JSON objects. */
    private static String aBodyWith(String... parameters) {
        return "{\"resourceType\":\"Parameters\",\"parameter\":[" + String.join(",", parameters) + "]}";
    }

    private static String aPatientId(String valueType, String jsonValue) {
        return "{\"name\":\"patientId\",\"" + valueType + "\":" + jsonValue + "}";
    }

    private static String aPatientId(String id) {
        return aPatientId("valueString", "\"" + id + "\"");
    }

    private static List<Issue> refusal(String body, int maxPatients) {
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                () -> PARSER.parsePatientIds(body, maxPatients));
        assertThat(e).as("refused: " + body).isNotNull();
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.issues()).allSatisfy(i -> assertThat(i.severity()).isEqualTo(Issue.Severity.ERROR));
        return e.issues();
    }

    private static Issue onlyIssue(String body) {
        List<Issue> issues = refusal(body, 100);
        assertThat(issues).hasSize(1);
        return issues.get(0);
    }

    @Test
    void seedKickOffParsesToItsThreeIdsInOrder() {
        assertThat(PARSER.parsePatientIds(SEED_KICKOFF, 10)).containsExactly(
                "4a426db7-4fc4-4b19-8715-22a75cb67e03",
                "5aece5b6-3f64-4efd-9124-5236c8079559",
                "8a1915e6-32a6-4a33-9a10-78921cbf0f2e");
    }

    @Test
    void duplicatesAreRemovedInFirstSeenOrder() {
        String body = aBodyWith(aPatientId("b"), aPatientId("a"), aPatientId("b"), aPatientId("valueId", "\"a\""),
                aPatientId("c"));
        assertThat(PARSER.parsePatientIds(body, 3)).containsExactly("b", "a", "c");
    }

    @Test
    void valueIdAndPatientReferenceAreAccepted() {
        String body = aBodyWith(aPatientId("valueId", "\"p-1.x\""),
                aPatientId("valueReference", "{\"reference\":\"Patient/p2\"}"));
        assertThat(PARSER.parsePatientIds(body, 10)).containsExactly("p-1.x", "p2");
    }

    @Test
    void idOf64CharactersIsAcceptedAnd65Refused() {
        String ok = "a".repeat(64);
        String tooLong = "b".repeat(65);
        assertThat(PARSER.parsePatientIds(aBodyWith(aPatientId(ok)), 1)).containsExactly(ok);

        Issue issue = onlyIssue(aBodyWith(aPatientId(ok), aPatientId(tooLong)));
        assertThat(issue.code()).isEqualTo("value");
        assertThat(issue.expression()).isEqualTo("Parameters.parameter[1].value");
        assertThat(issue.diagnostics()).contains(tooLong);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a_b", "a/b", "../x", "Patient/1", "a b", " a", "ä", "日本", "a:b", "a#b", "a?b"})
    void idsBreakingTheFhirIdRuleAreRefused(String id) {
        String body = aBodyWith(aPatientId("ok"), aPatientId("other"), aPatientId("valueString", quote(id)));
        Issue issue = onlyIssue(body);
        assertThat(issue.code()).isEqualTo("value");
        assertThat(issue.expression()).isEqualTo("Parameters.parameter[2].value");
        assertThat(issue.diagnostics()).contains("'" + id + "'");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Test
    void maxPatientsBoundary() {
        String three = aBodyWith(aPatientId("a"), aPatientId("b"), aPatientId("a"), aPatientId("c"));
        assertThat(PARSER.parsePatientIds(three, 3)).containsExactly("a", "b", "c");

        Issue issue = onlyIssue3(three, 2);
        assertThat(issue.code()).isEqualTo("too-costly");
        assertThat(issue.diagnostics()).contains("3 distinct").contains("limit of 2");
        assertThat(issue.expression()).isEqualTo("Parameters.parameter[3].value");
        assertThatThrownBy(() -> PARSER.parsePatientIds(three, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Issue onlyIssue3(String body, int max) {
        List<Issue> issues = refusal(body, max);
        assertThat(issues).hasSize(1);
        return issues.get(0);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"  ", "\n\t"})
    void blankBodyIsRequired(String body) {
        Issue issue = onlyIssue(body);
        assertThat(issue.code()).isEqualTo("required");
        assertThat(issue.expression()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "{", "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patientId\"",
        "[]", "42", "{}", "{\"resourceType\":\"NoSuchType\"}", "<Parameters xmlns=\"http://hl7.org/fhir\"/>"})
    void unparsableBodyIsStructure(String body) {
        Issue issue = onlyIssue(body);
        assertThat(issue.code()).isEqualTo("structure");
    }

    @Test
    void otherResourceTypeIsStructureNamingIt() {
        Issue issue = onlyIssue("{\"resourceType\":\"Patient\",\"id\":\"p1\"}");
        assertThat(issue.code()).isEqualTo("structure");
        assertThat(issue.diagnostics()).contains("Patient");
    }

    @Test
    void noPatientIdIsRequired() {
        for (String body : List.of(aBodyWith(), "{\"resourceType\":\"Parameters\"}")) {
            Issue issue = onlyIssue(body);
            assertThat(issue.code()).isEqualTo("required");
            assertThat(issue.diagnostics()).contains("patientId");
        }
    }

    @Test
    void unknownParameterIsNotSupportedNamingIt() {
        Issue issue = onlyIssue(aBodyWith(aPatientId("p1"), "{\"name\":\"_since\",\"valueString\":\"2020\"}"));
        assertThat(issue.code()).isEqualTo("not-supported");
        assertThat(issue.diagnostics()).contains("'_since'");
        assertThat(issue.expression()).isEqualTo("Parameters.parameter[1].name");
    }

    @Test
    void anOptionalReasonIsKeptAndItsFaultsAreNamed() {
        String reason = "{\"name\":\"reason\",\"valueString\":\"GDPR art. 17\"}";
        assertThat(PARSER.parseKickOff(aBodyWith(aPatientId("p1"), reason), 10))
                .isEqualTo(new PurgeRequestParser.KickOff(List.of("p1"), "GDPR art. 17"));
        assertThat(PARSER.parseKickOff(aBodyWith(aPatientId("p1")), 10).reason()).isNull();
        assertThat(onlyIssue(aBodyWith(aPatientId("p1"), reason, reason)).diagnostics())
                .contains("more than once");
        Issue notText = onlyIssue(aBodyWith(aPatientId("p1"), "{\"name\":\"reason\",\"valueInteger\":17}"));
        assertThat(notText.code()).isEqualTo("value");
        assertThat(notText.expression()).isEqualTo("Parameters.parameter[1].value");
        assertThat(onlyIssue(aBodyWith(aPatientId("p1"), "{\"name\":\"reason\",\"valueString\":\""
                + "x".repeat(1025) + "\"}")).diagnostics()).contains("1024");
    }

    @Test
    void theOutsideReferencePolicyIsACode() {
        assertThat(PARSER.parseKickOff(aBodyWith(aPatientId("p1"),
                "{\"name\":\"outsideReferences\",\"valueCode\":\"fail\"}"), 10).outsideReferences())
                .isEqualTo(com.fhirpurge.core.OutsideReferencePolicy.FAIL);
        assertThat(PARSER.parseKickOff(aBodyWith(aPatientId("p1")), 10).outsideReferences())
                .isEqualTo(com.fhirpurge.core.OutsideReferencePolicy.LEAVE);
        Issue bad = onlyIssue(aBodyWith(aPatientId("p1"),
                "{\"name\":\"outsideReferences\",\"valueCode\":\"ignore\"}"));
        assertThat(bad.code()).isEqualTo("value");
        assertThat(bad.diagnostics()).contains("'leave', 'fail' or 'remove-references'").contains("'ignore'");
    }

    @Test
    void aSinglePatientPurgeTakesNoBodyOrOnlyAReason() {
        assertThat(PARSER.parseSinglePatient(null).reason()).isNull();
        assertThat(PARSER.parseSinglePatient(" ").reason()).isNull();
        assertThat(PARSER.parseSinglePatient(aBodyWith("{\"name\":\"reason\",\"valueString\":\"why\"}")).reason())
                .isEqualTo("why");
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                () -> PARSER.parseSinglePatient(aBodyWith(aPatientId("p2"))));
        assertThat(e.issues()).singleElement().satisfies(i -> {
            assertThat(i.code()).isEqualTo("not-supported");
            assertThat(i.diagnostics()).contains("'patientId'").contains("only 'reason', '_dryRun', 'outsideReferences' and 'sharedResources' are supported");
        });
    }

    @Test
    void missingValueIsRequired() {
        Issue issue = onlyIssue(aBodyWith(aPatientId("p1"), "{\"name\":\"patientId\"}"));
        assertThat(issue.code()).isEqualTo("required");
        assertThat(issue.expression()).isEqualTo("Parameters.parameter[1].value");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"\"", "\"   \""})
    void emptyOrBlankValueIsRefused(String json) {
        Issue issue = onlyIssue(aBodyWith(aPatientId("valueString", json)));
        assertThat(issue.code()).isIn("value", "required");
        assertThat(issue.expression()).isEqualTo("Parameters.parameter[0].value");
    }

    @Test
    void partOrResourceInsteadOfValueIsValue() {
        List<Issue> issues = refusal(aBodyWith(
                "{\"name\":\"patientId\",\"part\":[{\"name\":\"id\",\"valueString\":\"p1\"}]}",
                "{\"name\":\"patientId\",\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p1\"}}"), 10);
        assertThat(issues).extracting(Issue::code).containsExactly("value", "value");
        assertThat(issues).extracting(Issue::expression)
                .containsExactly("Parameters.parameter[0].part", "Parameters.parameter[1].resource");
    }

    @Test
    void valueOfAnotherTypeIsValueNamingTheType() {
        List<Issue> issues = refusal(aBodyWith(aPatientId("valueInteger", "7"), aPatientId("valueBoolean", "true"),
                aPatientId("valueUri", "\"urn:x\"")), 10);
        assertThat(issues).extracting(Issue::code).containsOnly("value");
        assertThat(issues).extracting(Issue::diagnostics).satisfiesExactly(
                d -> assertThat(d).contains("valueInteger"),
                d -> assertThat(d).contains("valueBoolean"),
                d -> assertThat(d).contains("valueUri"));
    }

    @Test
    void referencesToOtherTypesOrWithoutReferenceAreRefused() {
        List<Issue> issues = refusal(aBodyWith(
                aPatientId("valueReference", "{\"reference\":\"Group/g1\"}"),
                aPatientId("valueReference", "{\"reference\":\"http://x/fhir/Patient/p1\"}"),
                aPatientId("valueReference", "{\"identifier\":{\"value\":\"x\"}}"),
                aPatientId("valueReference", "{\"reference\":\"Patient/a_b\"}")), 10);
        assertThat(issues).extracting(Issue::code).containsOnly("value");
        assertThat(issues).extracting(Issue::expression).containsExactly("Parameters.parameter[0].value",
                "Parameters.parameter[1].value", "Parameters.parameter[2].value", "Parameters.parameter[3].value");
        assertThat(issues.get(0).diagnostics()).contains("Group/g1");
        assertThat(issues.get(3).diagnostics()).contains("'a_b'");
    }

    @Test
    void allIssuesOfABodyAreCollected() {
        List<Issue> issues = refusal(aBodyWith(aPatientId("ok"), aPatientId("a_b"),
                "{\"name\":\"other\",\"valueString\":\"x\"}", aPatientId("valueInteger", "1"),
                "{\"name\":\"patientId\"}"), 10);
        assertThat(issues).extracting(Issue::code).containsExactly("value", "not-supported", "value", "required");
        assertThat(issues).extracting(Issue::expression).containsExactly("Parameters.parameter[1].value",
                "Parameters.parameter[2].name", "Parameters.parameter[3].value", "Parameters.parameter[4].value");
    }

    @Test
    void tooCostlyIsReportedAlongsideOtherIssues() {
        String body = aBodyWith(IntStream.range(0, 5).mapToObj(i -> aPatientId("p" + i)).collect(Collectors.joining(","))
                + "," + aPatientId("bad/id"));
        assertThat(refusal(body, 4)).extracting(Issue::code).containsExactly("value", "too-costly");
    }

    @Test
    void validatePatientIdAppliesTheIdRuleWithoutExpression() {
        assertThat(PurgeRequestParser.validatePatientId("abc-1.2")).isEqualTo("abc-1.2");
        assertThat(PurgeRequestParser.validatePatientId("x".repeat(64))).hasSize(64);
        for (String bad : new String[] {null, "", "a_b", "x".repeat(65), "a/b"}) {
            InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                    () -> PurgeRequestParser.validatePatientId(bad));
            assertThat(e).as(String.valueOf(bad)).isNotNull();
            assertThat(e.httpStatus()).isEqualTo(400);
            assertThat(e.issues()).singleElement().satisfies(i -> {
                assertThat(i.code()).isEqualTo("value");
                assertThat(i.expression()).isNull();
            });
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"respond-async", "Respond-Async", " respond-async ", "respond-async, handling=lenient",
        "handling=lenient,respond-async", "wait=10, respond-async;foo=bar", "return=minimal,\trespond-async",
        "RESPOND-ASYNC=1"})
    void respondAsyncIsRecognised(String header) {
        assertThat(PurgeRequestParser.isRespondAsync(header)).isTrue();
        PurgeRequestParser.requireRespondAsync(header);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"handling=lenient", "respond-asynchronous", "return=\"respond-async\"",
        "foo=\"a, respond-async\"", "respond async", "wait=respond-async"})
    void missingRespondAsyncIsInvalid(String header) {
        assertThat(PurgeRequestParser.isRespondAsync(header)).isFalse();
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                () -> PurgeRequestParser.requireRespondAsync(header));
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.issues()).singleElement().satisfies(i -> {
            assertThat(i.code()).isEqualTo("invalid");
            assertThat(i.diagnostics()).isEqualTo("Prefer: respond-async is required; synchronous purge is not supported");
        });
    }

    /** HAPI's lenient parser would keep the first value and drop the others: a patient would silently be skipped. */
    @ParameterizedTest
    @ValueSource(strings = {"{\"name\":\"patientId\",\"valueString\":[\"p1\",\"p2\"]}",
        "{\"name\":\"patientId\",\"valueString\":\"p1\",\"valueId\":\"p2\"}",
        "{\"name\":\"patientId\",\"valueString\":\"p1\",\"foo\":1}"})
    void structuralProblemsHapiWouldOnlyLogAreRefused(String parameter) {
        Issue issue = onlyIssue(aBodyWith(parameter));
        assertThat(issue.code()).isEqualTo("structure");
    }
}
