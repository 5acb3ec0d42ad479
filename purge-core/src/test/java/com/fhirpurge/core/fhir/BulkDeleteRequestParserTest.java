package com.fhirpurge.core.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fhirpurge.core.InvalidRequestException;
import com.fhirpurge.core.Issue;
import com.fhirpurge.spi.EraseMode;
import com.fhirpurge.spi.SearchCriteria;
import com.fhirpurge.spi.SearchCriterion;
import com.fhirpurge.spi.SearchParamType;
import com.fhirpurge.spi.SearchValue;
import com.fhirpurge.spi.SearchValue.DateValue;
import com.fhirpurge.spi.SearchValue.DateValue.DatePrefix;
import com.fhirpurge.spi.SearchValue.ReferenceValue;
import com.fhirpurge.spi.SearchValue.StringValue;
import com.fhirpurge.spi.SearchValue.TokenValue;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BulkDeleteRequestParserTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final BulkDeleteRequestParser parser = new BulkDeleteRequestParser(TestFhir.R4, InstantSource.fixed(NOW));

    private static Map<String, List<String>> query(String... pairs) {
        Map<String, List<String>> q = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            q.computeIfAbsent(pairs[i], k -> new java.util.ArrayList<>()).add(pairs[i + 1]);
        }
        return q;
    }

    private SearchCriteria only(String type, String... pairs) {
        BulkDeleteRequestParser.Parsed parsed = parser.parse(type, query(pairs));
        assertThat(parsed.searches()).hasSize(1);
        return parsed.searches().get(0);
    }

    private List<Issue> refused(String type, String... pairs) {
        try {
            parser.parse(type, query(pairs));
        } catch (InvalidRequestException e) {
            assertThat(e.httpStatus()).isEqualTo(400);
            return e.issues();
        }
        throw new AssertionError("accepted " + List.of(pairs));
    }

    @Test
    void bothExamplesOfTheSpecificationParseAsWritten() {
        SearchCriterion address = only("Patient", "address:contains", "Wiese").allOf().get(0);
        SearchCriterion birth = only("Observation", "subject:Patient.birthdate", "1987-02-20").allOf().get(0);

        assertThat(address.type()).isEqualTo(SearchParamType.STRING);
        assertThat(address.anyOf()).containsExactly(new StringValue("wiese", StringValue.Match.CONTAINS));
        assertThat(birth.parameter()).isEqualTo("subject");
        assertThat(birth.chainType()).isEqualTo("Patient");
        assertThat(birth.chainParameter()).isEqualTo("birthdate");
        assertThat(birth.valueType()).isEqualTo(SearchParamType.DATE);
        assertThat(birth.anyOf()).containsExactly(new DateValue(DatePrefix.EQ,
                Instant.parse("1987-02-20T00:00:00Z"), Instant.parse("1987-02-21T00:00:00Z")));
    }

    @Test
    void theModeDefaultsToSoftDeleteAndFollowsTheFlags() {
        assertThat(parser.parse("Patient", query()).mode()).isEqualTo(EraseMode.SOFT_DELETE);
        assertThat(parser.parse("Patient", query("_hardDelete", "true")).mode()).isEqualTo(EraseMode.HARD_DELETE);
        assertThat(parser.parse("Patient", query("hardDelete", "true")).mode()).isEqualTo(EraseMode.HARD_DELETE);
        assertThat(parser.parse("Patient", query("_purgeHistory", "true", "_hardDelete", "false")).mode())
                .isEqualTo(EraseMode.PURGE_HISTORY);
        assertThat(only("Patient").allOf()).as("no criteria: the whole type").isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
        "2020, EQ, 2020-01-01T00:00:00Z, 2021-01-01T00:00:00Z",
        "2020-02, EQ, 2020-02-01T00:00:00Z, 2020-03-01T00:00:00Z",
        "lt2020-02-29, LT, 2020-02-29T00:00:00Z, 2020-03-01T00:00:00Z",
        "ge2020-03-04T10:15Z, GE, 2020-03-04T10:15:00Z, 2020-03-04T10:16:00Z",
        "gt2020-03-04T10:15:30+02:00, GT, 2020-03-04T08:15:30Z, 2020-03-04T08:15:31Z",
        "le2020-03-04T10:15:30.5Z, LE, 2020-03-04T10:15:30.5Z, 2020-03-04T10:15:30.6Z",
        "ne2021, NE, 2021-01-01T00:00:00Z, 2022-01-01T00:00:00Z",
        "sa2021, SA, 2021-01-01T00:00:00Z, 2022-01-01T00:00:00Z",
        "eb2021, EB, 2021-01-01T00:00:00Z, 2022-01-01T00:00:00Z",
        "eq2025-12-31, EQ, 2025-12-31T00:00:00Z, 2026-01-01T00:00:00Z",
    })
    void lastUpdatedTakesEveryPrefixAndPartialDates(String value, DatePrefix prefix, Instant low, Instant high) {
        SearchCriterion c = only("Observation", "_lastUpdated", value).allOf().get(0);

        assertThat(c.type()).isEqualTo(SearchParamType.LAST_UPDATED);
        assertThat(c.anyOf()).containsExactly(new DateValue(prefix, low, high));
    }

    @Test
    void approximatelyWidensByTenPercentOfTheDistanceFromNowAtLeastADay() {
        DateValue near = (DateValue) only("Patient", "birthdate", "ap2025-12-31").allOf().get(0).anyOf().get(0);
        DateValue far = (DateValue) only("Patient", "birthdate", "ap2016-01-01").allOf().get(0).anyOf().get(0);

        assertThat(near.low()).isEqualTo(Instant.parse("2025-12-30T00:00:00Z"));
        assertThat(near.high()).isEqualTo(Instant.parse("2026-01-02T00:00:00Z"));
        assertThat(far.low()).isBefore(Instant.parse("2015-01-01T00:00:00Z"));
        assertThat(far.high()).isAfter(Instant.parse("2017-01-01T00:00:00Z"));
    }

    @Test
    void stringsTokensReferencesAndIdsInEveryForm() {
        SearchCriteria c = only("Observation", "code", "http://loinc.org|8867-4", "code", "|local,8310-5",
                "code", "http://loinc.org|", "subject", "Patient/p1,p2", "subject:Group", "g1", "_id", "o1,o2");
        SearchCriteria names = only("Patient", "name", "Müller", "name:exact", "Müller", "family", "a\\,b");

        assertThat(c.allOf()).extracting(SearchCriterion::parameter)
                .containsExactly("_id", "code", "code", "code", "subject", "subject");
        assertThat(c.allOf().get(1).anyOf()).containsExactly(new TokenValue("http://loinc.org", "8867-4"));
        assertThat(c.allOf().get(2).anyOf()).containsExactly(new TokenValue("", "local"),
                new TokenValue(null, "8310-5"));
        assertThat(c.allOf().get(3).anyOf()).containsExactly(new TokenValue("http://loinc.org", null));
        assertThat(c.allOf().get(4).anyOf()).containsExactly(new ReferenceValue("Patient", "p1"),
                new ReferenceValue(null, "p2"));
        assertThat(c.allOf().get(5).anyOf()).containsExactly(new ReferenceValue("Group", "g1"));
        assertThat(c.allOf().get(0).anyOf()).containsExactly(new SearchValue.IdValue("o1"),
                new SearchValue.IdValue("o2"));
        assertThat(names.allOf()).extracting(x -> x.anyOf().get(0)).containsExactly(
                new StringValue("a,b", StringValue.Match.STARTS_WITH),
                new StringValue("muller", StringValue.Match.STARTS_WITH),
                new StringValue("Müller", StringValue.Match.EXACT));
    }

    @Test
    void aChainWithASingleTargetNeedsNoType() {
        SearchCriterion c = only("Observation", "patient.name", "smith").allOf().get(0);

        assertThat(c.chainType()).isEqualTo("Patient");
        assertThat(c.chainParameter()).isEqualTo("name");
        assertThat(c.anyOf()).containsExactly(new StringValue("smith", StringValue.Match.STARTS_WITH));
    }

    @Test
    void systemLevelCoversEveryTypeButTheExcludedOnes() {
        BulkDeleteRequestParser.Parsed p = parser.parse(null, query("excludedResourceTypes", "Patient, Observation",
                "_lastUpdated", "lt2020"));

        assertThat(p.searches()).extracting(SearchCriteria::resourceType).contains("Encounter", "Practitioner")
                .doesNotContain("Patient", "Observation", "Parameters").isSorted();
        assertThat(p.searches()).allSatisfy(s -> assertThat(s.allOf()).hasSize(1));
    }

    @Test
    void everyBadInputIsRefusedNamingIt() {
        assertThat(refused("Patient", "nickname", "x")).extracting(Issue::diagnostics)
                .anySatisfy(d -> assertThat(d).contains("nickname"));
        assertThat(refused("Patient", "birthdate", "1987-13-45")).extracting(Issue::code).containsExactly("value");
        assertThat(refused("Patient", "birthdate", "yesterday").get(0).diagnostics()).contains("yesterday");
        assertThat(refused("Patient", "birthdate", "1987-02-20T10:00").get(0).diagnostics()).contains("time zone");
        assertThat(refused("Patient", "name:fuzzy", "x").get(0).diagnostics()).contains(":fuzzy");
        assertThat(refused("Patient", "gender:text", "x").get(0).code()).isEqualTo("not-supported");
        assertThat(refused("Observation", "subject.birthdate", "1987").get(0).diagnostics()).contains("ambiguous");
        assertThat(refused("Observation", "subject:Patient.nope", "1").get(0).diagnostics()).contains("nope");
        assertThat(refused("Observation", "subject:Patient.organization.name", "x").get(0).code())
                .isEqualTo("not-supported");
        assertThat(refused("Observation", "code.text", "x").get(0).diagnostics()).contains("reference");
        assertThat(refused("Observation", "subject", "Patient/a_b").get(0).code()).isEqualTo("value");
        assertThat(refused("Observation", "subject:Medication", "m1").get(0).code()).isEqualTo("not-supported");
        assertThat(refused("Observation", "code", "a,,b").get(0).diagnostics()).contains("empty");
        assertThat(refused("Observation", "_id", "bad id").get(0).code()).isEqualTo("value");
        assertThat(refused("Observation", "_count", "10").get(0).diagnostics()).contains("_count");
        assertThat(refused("Observation", "value-quantity", "5").get(0).code()).isEqualTo("not-supported");
        assertThat(refused("Patient", "_hardDelete", "yes").get(0).diagnostics()).contains("_hardDelete");
        assertThat(refused("Patient", "_hardDelete", "true", "_purgeHistory", "true").get(0).diagnostics())
                .contains("both");
        assertThat(refused("Patient", "excludedResourceTypes", "Observation").get(0).diagnostics())
                .contains("system level");
        assertThat(refused(null, "excludedResourceTypes", "Nope").get(0).diagnostics()).contains("Nope");
        assertThat(refused(null, "name", "x").get(0).diagnostics()).contains("system level");
        assertThatThrownBy(() -> parser.parse("Nope", query())).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("Nope");
    }
}
