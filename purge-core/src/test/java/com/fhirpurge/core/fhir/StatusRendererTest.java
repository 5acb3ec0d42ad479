package com.fhirpurge.core.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.core.PatientStatus;
import com.fhirpurge.spi.TaskState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.junit.jupiter.api.Test;

class StatusRendererTest {

    private static final StatusRenderer RENDERER = new StatusRenderer(TestFhir.R4);

    private static final String P1 = "3cf2f3f2-827f-4ce5-9c10-290159350958";
    private static final String P2 = "e3eaf2de-044f-40a6-b253-d5dd3a314b47";
    private static final Instant UPDATED = Instant.parse("2024-07-03T14:46:45.107453265Z");

    /**
     * The seed's two status examples. The seed's JSON has trailing commas and a garbled time
     * ({@code "2024-07-03T14: 46: 45.107453265Z"}); both are repaired here, nothing else changed.
     */
    private static final String SEED_STATUS_NEW = """
            {"resourceType": "Parameters", "parameter": [
              {"name": "result", "part": [
                {"name": "patientId", "valueId": "3cf2f3f2-827f-4ce5-9c10-290159350958"},
                {"name": "updatedAt", "valueDateTime": "2024-07-03T14:46:45.107Z"},
                {"name": "status", "valueCode": "new"}]},
              {"name": "result", "part": [
                {"name": "patientId", "valueId": "e3eaf2de-044f-40a6-b253-d5dd3a314b47"},
                {"name": "updatedAt", "valueDateTime": "2024-07-03T14:46:45.107Z"},
                {"name": "status", "valueCode": "new"}]}]}
            """;
    private static final String SEED_STATUS_PROGRESS = """
            {"resourceType": "Parameters", "parameter": [
              {"name": "result", "part": [
                {"name": "patientId", "valueId": "3cf2f3f2-827f-4ce5-9c10-290159350958"},
                {"name": "updatedAt", "valueDateTime": "2024-07-03T14:46:45.107Z"},
                {"name": "status", "valueCode": "processing"},
                {"name": "totalResourcesCount", "valueInteger": 500},
                {"name": "purgedResourcesCount", "valueInteger": 250}]},
              {"name": "result", "part": [
                {"name": "patientId", "valueId": "e3eaf2de-044f-40a6-b253-d5dd3a314b47"},
                {"name": "updatedAt", "valueDateTime": "2024-07-03T14:46:45.107Z"},
                {"name": "status", "valueCode": "completed"},
                {"name": "totalResourcesCount", "valueInteger": 400},
                {"name": "purgedResourcesCount", "valueInteger": 400}]}]}
            """;

    private static PatientStatus aStatus(String id, TaskState state, Long total, long purged, String error) {
        return new PatientStatus(id, state, UPDATED, total, purged, Map.of(), error);
    }

    private static Parameters parse(String json) {
        return TestFhir.R4.newJsonParser().parseResource(Parameters.class, json);
    }

    /** Part names, order, value types and values must match; dateTimes compare as instants. */
    private static void assertSameStructure(Parameters actual, Parameters expected) {
        assertThat(actual.getParameter()).hasSameSizeAs(expected.getParameter());
        for (int i = 0; i < expected.getParameter().size(); i++) {
            ParametersParameterComponent a = actual.getParameter().get(i);
            ParametersParameterComponent e = expected.getParameter().get(i);
            assertThat(a.getName()).isEqualTo(e.getName());
            assertThat(a.getPart()).extracting(ParametersParameterComponent::getName)
                    .containsExactlyElementsOf(e.getPart().stream().map(ParametersParameterComponent::getName).toList());
            for (int j = 0; j < e.getPart().size(); j++) {
                var av = a.getPart().get(j).getValue();
                var ev = e.getPart().get(j).getValue();
                String where = "parameter[" + i + "].part[" + j + "]";
                assertThat(av.fhirType()).as(where).isEqualTo(ev.fhirType());
                if (ev instanceof DateTimeType edt) {
                    assertThat(((DateTimeType) av).getValue()).as(where).isEqualTo(edt.getValue());
                } else {
                    assertThat(((PrimitiveType<?>) av).getValueAsString()).as(where)
                            .isEqualTo(((PrimitiveType<?>) ev).getValueAsString());
                }
            }
        }
    }

    @Test
    void newStatusesMatchTheSeed() {
        String json = RENDERER.render(List.of(aStatus(P1, TaskState.NEW, null, 0, null),
                aStatus(P2, TaskState.NEW, null, 0, null)));

        assertSameStructure(parse(json), parse(SEED_STATUS_NEW));
        assertThat(json).doesNotContain("\n").doesNotContain("Count");
    }

    @Test
    void progressStatusesMatchTheSeed() {
        String json = RENDERER.render(List.of(aStatus(P1, TaskState.PROCESSING, 500L, 250, null),
                aStatus(P2, TaskState.COMPLETED, 400L, 400, null)));

        assertSameStructure(parse(json), parse(SEED_STATUS_PROGRESS));
    }

    @Test
    void updatedAtIsUtcWithMilliseconds() {
        String json = RENDERER.render(List.of(aStatus(P1, TaskState.NEW, null, 0, null)));

        assertThat(json).contains("\"valueDateTime\":\"2024-07-03T14:46:45.107Z\"");
    }

    @Test
    void errorStatusCarriesErrorMessageLast() {
        Parameters p = parse(RENDERER.render(List.of(aStatus(P1, TaskState.ERROR, 10L, 3, "store unavailable"))));

        List<ParametersParameterComponent> parts = p.getParameterFirstRep().getPart();
        assertThat(parts).extracting(ParametersParameterComponent::getName).containsExactly(
                "patientId", "updatedAt", "status", "totalResourcesCount", "purgedResourcesCount", "errorMessage");
        assertThat(parts.get(2).getValue().primitiveValue()).isEqualTo("error");
        assertThat(parts.get(5).getValue().fhirType()).isEqualTo("string");
        assertThat(parts.get(5).getValue().primitiveValue()).isEqualTo("store unavailable");
    }

    @Test
    void errorMessageOnlyForErrorStateWithReason() {
        Parameters p = RENDERER.toParameters(List.of(aStatus(P1, TaskState.ERROR, null, 0, null),
                aStatus(P2, TaskState.CANCELLED, null, 0, "ignored")));

        assertThat(p.getParameter()).allSatisfy(r -> assertThat(r.getPart())
                .extracting(ParametersParameterComponent::getName).containsExactly("patientId", "updatedAt", "status"));
        assertThat(p.getParameter().get(1).getPart().get(2).getValue().primitiveValue()).isEqualTo("cancelled");
    }

    @Test
    void countsAreClampedToIntegerRange() {
        Parameters p = RENDERER.toParameters(List.of(aStatus(P1, TaskState.PROCESSING, 5_000_000_000L, 3_000_000_000L,
                null)));

        List<ParametersParameterComponent> parts = p.getParameterFirstRep().getPart();
        assertThat(parts.get(3).getValue().primitiveValue()).isEqualTo(String.valueOf(Integer.MAX_VALUE));
        assertThat(parts.get(4).getValue().primitiveValue()).isEqualTo(String.valueOf(Integer.MAX_VALUE));
    }

    @Test
    void orderIsKeptAndEmptyListRendersEmptyParameters() {
        List<PatientStatus> statuses = List.of(aStatus("b", TaskState.NEW, null, 0, null),
                aStatus("a", TaskState.NEW, null, 0, null), aStatus("c", TaskState.NEW, null, 0, null));
        assertThat(RENDERER.toParameters(statuses).getParameter())
                .extracting(r -> r.getPartFirstRep().getValue().primitiveValue()).containsExactly("b", "a", "c");
        assertThat(parse(RENDERER.render(List.of())).getParameter()).isEmpty();
    }

    @Test
    void seedKickOffRoundTripsThroughHapi() {
        PurgeRequestParser parser = new PurgeRequestParser(TestFhir.R4);
        Parameters parsed = parse(PurgeRequestParserTest.SEED_KICKOFF);
        String reencoded = TestFhir.R4.newJsonParser().encodeResourceToString(parsed);

        assertThat(parse(reencoded).equalsDeep(parsed)).isTrue();
        assertThat(parser.parsePatientIds(reencoded, 3))
                .isEqualTo(parser.parsePatientIds(PurgeRequestParserTest.SEED_KICKOFF, 3))
                .hasSize(3);
    }
}
