package com.fhirpurge.spi.contract;

import static com.fhirpurge.spi.contract.TestResources.aPatient;
import static com.fhirpurge.spi.contract.TestResources.aResource;
import static com.fhirpurge.spi.contract.TestResources.anObservationOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.spi.IndexEntry.DateEntry;
import com.fhirpurge.spi.IndexEntry.StringEntry;
import com.fhirpurge.spi.IndexEntry.TokenEntry;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.ResourceSearcher;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.ResourceWriter;
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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of the searching role. An adapter's test class returns an empty store from {@link #createStore()};
 * every test also checks the other direction: what the criteria must not match is not returned.
 */
public abstract class ResourceSearchContract {

    /**
     * The roles under test; one object may play them all.
     *
     * @param searcher the searching role
     * @param writer   the writing role
     * @param eraser   the erasing role
     */
    public record Store(ResourceSearcher searcher, ResourceWriter writer, ResourceEraser eraser) {
    }

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

    private Store store;

    /**
     * Creates an empty store for one test.
     *
     * @return the store's roles
     */
    protected abstract Store createStore();

    /** Removes what the test left behind; called after every test. */
    protected void cleanup() {
    }

    @BeforeEach
    void createStoreUnderTest() {
        store = createStore();
    }

    @AfterEach
    void cleanupStore() {
        cleanup();
    }

    private void write(ResourceWrite... writes) {
        store.writer().write(List.of(writes));
    }

    private static SearchCriterion on(String param, SearchParamType type, SearchValue... anyOf) {
        return new SearchCriterion(param, type, null, null, type, List.of(anyOf));
    }

    private Set<String> ids(String type, Instant notAfter, SearchCriterion... allOf) {
        SearchCriteria criteria = new SearchCriteria(type, List.of(allOf));
        Set<String> ids = new LinkedHashSet<>();
        String token = null;
        do {
            ResourcePage page = store.searcher().search(criteria, notAfter, token, 3);
            assertThat(page.items()).hasSizeLessThanOrEqualTo(3);
            for (ResourceKey k : page.items()) {
                assertThat(k.type()).isEqualTo(type);
                assertThat(ids.add(k.id())).as("%s returned twice", k).isTrue();
            }
            token = page.nextPageToken();
        } while (token != null);
        assertThat(store.searcher().count(criteria, notAfter)).isEqualTo(ids.size());
        return ids;
    }

    private Set<String> ids(String type, SearchCriterion... allOf) {
        return ids(type, NOW, allOf);
    }

    private void writePatients() {
        write(aPatient("mueller").indexed(new StringEntry("name", "muller", "Müller"),
                        new StringEntry("name", "hans", "Hans"), new DateEntry("birthdate",
                                Instant.parse("1987-02-20T00:00:00Z"), Instant.parse("1987-02-21T00:00:00Z")),
                        new TokenEntry("gender", "http://hl7.org/fhir/administrative-gender", "male"),
                        new TokenEntry("identifier", "urn:mrn", "123"))
                        .updatedAt(T0).build(),
                aPatient("muller-b").indexed(new StringEntry("name", "mullerova", "Mullerová"),
                        new DateEntry("birthdate", Instant.parse("1990-01-01T00:00:00Z"),
                                Instant.parse("1991-01-01T00:00:00Z")),
                        new TokenEntry("identifier", null, "123")).updatedAt(T0.plusSeconds(10)).build(),
                aPatient("smith").indexed(new StringEntry("name", "smith", "Smith"),
                        new StringEntry("address-city", "wiesbaden", "Wiesbaden"),
                        new DateEntry("birthdate", Instant.parse("2001-05-05T10:00:00Z"),
                                Instant.parse("2001-05-05T10:00:01Z")),
                        new TokenEntry("gender", "http://hl7.org/fhir/administrative-gender", "female"))
                        .updatedAt(T0.plusSeconds(20)).build(),
                aResource("Practitioner", "pr-mueller").indexed(new StringEntry("name", "muller", "Müller"))
                        .updatedAt(T0).build());
    }

    @Test
    void stringsMatchByPrefixExactlyOrAnywhere() {
        writePatients();

        assertThat(ids("Patient", on("name", SearchParamType.STRING,
                new StringValue("mul", StringValue.Match.STARTS_WITH)))).containsExactlyInAnyOrder("mueller",
                "muller-b");
        assertThat(ids("Patient", on("name", SearchParamType.STRING,
                new StringValue("Müller", StringValue.Match.EXACT)))).containsExactly("mueller");
        assertThat(ids("Patient", on("name", SearchParamType.STRING,
                new StringValue("muller", StringValue.Match.EXACT)))).isEmpty();
        assertThat(ids("Patient", on("address-city", SearchParamType.STRING,
                new StringValue("wies", StringValue.Match.CONTAINS)))).containsExactly("smith");
        assertThat(ids("Patient", on("name", SearchParamType.STRING,
                new StringValue("lero", StringValue.Match.CONTAINS)))).containsExactly("muller-b");
        assertThat(ids("Patient", on("name", SearchParamType.STRING,
                new StringValue("%", StringValue.Match.CONTAINS)))).as("wildcards are data").isEmpty();
        assertThat(ids("Patient", on("name", SearchParamType.STRING,
                new StringValue("_", StringValue.Match.STARTS_WITH)))).isEmpty();
        assertThat(ids("Patient", on("name", SearchParamType.STRING,
                new StringValue(".*", StringValue.Match.CONTAINS)))).isEmpty();
    }

    @Test
    void tokensMatchBySystemAndCode() {
        writePatients();

        assertThat(ids("Patient", on("identifier", SearchParamType.TOKEN, new TokenValue(null, "123"))))
                .containsExactlyInAnyOrder("mueller", "muller-b");
        assertThat(ids("Patient", on("identifier", SearchParamType.TOKEN, new TokenValue("", "123"))))
                .containsExactly("muller-b");
        assertThat(ids("Patient", on("identifier", SearchParamType.TOKEN, new TokenValue("urn:mrn", "123"))))
                .containsExactly("mueller");
        assertThat(ids("Patient", on("gender", SearchParamType.TOKEN,
                new TokenValue("http://hl7.org/fhir/administrative-gender", null)))).containsExactlyInAnyOrder(
                "mueller", "smith");
        assertThat(ids("Patient", on("gender", SearchParamType.TOKEN, new TokenValue(null, "male"),
                new TokenValue(null, "female")))).as("values are ORed").containsExactlyInAnyOrder("mueller", "smith");
    }

    @Test
    void datesCompareRangesWithEveryPrefix() {
        writePatients();
        Instant low = Instant.parse("1987-02-20T00:00:00Z");
        Instant high = Instant.parse("1987-02-21T00:00:00Z");

        assertThat(ids("Patient", date("birthdate", DatePrefix.EQ, low, high))).containsExactly("mueller");
        assertThat(ids("Patient", date("birthdate", DatePrefix.AP, low, high))).containsExactly("mueller");
        assertThat(ids("Patient", date("birthdate", DatePrefix.NE, low, high)))
                .containsExactlyInAnyOrder("muller-b", "smith");
        assertThat(ids("Patient", date("birthdate", DatePrefix.LT, Instant.parse("1990-01-01T00:00:00Z"),
                Instant.parse("1991-01-01T00:00:00Z")))).containsExactly("mueller");
        assertThat(ids("Patient", date("birthdate", DatePrefix.LE, Instant.parse("1990-01-01T00:00:00Z"),
                Instant.parse("1991-01-01T00:00:00Z")))).containsExactlyInAnyOrder("mueller", "muller-b");
        assertThat(ids("Patient", date("birthdate", DatePrefix.GT, Instant.parse("1990-01-01T00:00:00Z"),
                Instant.parse("1991-01-01T00:00:00Z")))).containsExactly("smith");
        assertThat(ids("Patient", date("birthdate", DatePrefix.GE, Instant.parse("1990-01-01T00:00:00Z"),
                Instant.parse("1991-01-01T00:00:00Z")))).containsExactlyInAnyOrder("muller-b", "smith");
        assertThat(ids("Patient", date("birthdate", DatePrefix.SA, Instant.parse("1990-01-01T00:00:00Z"),
                Instant.parse("1991-01-01T00:00:00Z")))).containsExactly("smith");
        assertThat(ids("Patient", date("birthdate", DatePrefix.EB, Instant.parse("1990-01-01T00:00:00Z"),
                Instant.parse("1991-01-01T00:00:00Z")))).containsExactly("mueller");
        assertThat(ids("Patient", date("birthdate", DatePrefix.EQ, Instant.parse("1987-01-01T00:00:00Z"),
                Instant.parse("1988-01-01T00:00:00Z")))).as("a day within a year").containsExactly("mueller");
    }

    private static SearchCriterion date(String param, DatePrefix prefix, Instant low, Instant high) {
        return on(param, SearchParamType.DATE, new DateValue(prefix, low, high));
    }

    @Test
    void datesFarFrom1970AndTrailingSpacesCompareExactly() {
        write(aPatient("early").indexed(new DateEntry("birthdate", Instant.parse("1500-01-01T00:00:00Z"),
                        Instant.parse("1500-01-02T00:00:00Z")), new StringEntry("name", "smith ", "Smith "),
                        new TokenEntry("identifier", "urn:mrn", "123 ")).updatedAt(T0).build(),
                aPatient("ancient").indexed(new DateEntry("birthdate", Instant.parse("1066-10-14T00:00:00Z"),
                        Instant.parse("1066-10-15T00:00:00Z"))).updatedAt(T0).build(),
                aPatient("future").indexed(new DateEntry("birthdate", Instant.parse("2300-01-01T00:00:00Z"),
                        Instant.parse("2300-01-02T00:00:00Z"))).updatedAt(T0).build());

        assertThat(ids("Patient", date("birthdate", DatePrefix.EQ, Instant.parse("1500-01-01T00:00:00Z"),
                Instant.parse("1500-01-02T00:00:00Z")))).containsExactly("early");
        assertThat(ids("Patient", date("birthdate", DatePrefix.SA, Instant.parse("2200-01-01T00:00:00Z"),
                Instant.parse("2200-01-02T00:00:00Z")))).containsExactly("future");
        assertThat(ids("Patient", date("birthdate", DatePrefix.EB, Instant.parse("1600-01-01T00:00:00Z"),
                Instant.parse("1600-01-02T00:00:00Z")))).containsExactlyInAnyOrder("early", "ancient");
        assertThat(ids("Patient", on("name", SearchParamType.STRING,
                new StringValue("Smith", StringValue.Match.EXACT)))).isEmpty();
        assertThat(ids("Patient", on("name", SearchParamType.STRING,
                new StringValue("Smith ", StringValue.Match.EXACT)))).containsExactly("early");
        assertThat(ids("Patient", on("identifier", SearchParamType.TOKEN, new TokenValue("urn:mrn", "123"))))
                .isEmpty();
        assertThat(ids("Patient", on("identifier", SearchParamType.TOKEN, new TokenValue(null, "123 "))))
                .containsExactly("early");
    }

    @Test
    void idLastUpdatedAndTheSnapshotBound() {
        writePatients();

        assertThat(ids("Patient", on("_id", SearchParamType.ID, new SearchValue.IdValue("smith"),
                new SearchValue.IdValue("nobody")))).containsExactly("smith");
        assertThat(ids("Patient", on("_lastUpdated", SearchParamType.LAST_UPDATED, new DateValue(DatePrefix.LT,
                T0.plusSeconds(10), T0.plusSeconds(11))))).containsExactly("mueller");
        assertThat(ids("Patient", on("_lastUpdated", SearchParamType.LAST_UPDATED, new DateValue(DatePrefix.GE,
                T0.plusSeconds(10), T0.plusSeconds(11))))).containsExactlyInAnyOrder("muller-b", "smith");
        assertThat(ids("Patient", T0.plusSeconds(10))).as("written after the snapshot")
                .containsExactlyInAnyOrder("mueller", "muller-b");
        assertThat(ids("Patient")).as("no criteria: the whole type, nothing of other types")
                .containsExactlyInAnyOrder("mueller", "muller-b", "smith");
    }

    @Test
    void criteriaAreAndedAndSoftDeletedResourcesNeverMatch() {
        writePatients();
        store.eraser().softDelete(List.of(ResourceKey.of("Patient", "muller-b")), T0.plusSeconds(30));

        assertThat(ids("Patient", on("identifier", SearchParamType.TOKEN, new TokenValue(null, "123")),
                on("name", SearchParamType.STRING, new StringValue("hans", StringValue.Match.STARTS_WITH))))
                .containsExactly("mueller");
        assertThat(ids("Patient", on("name", SearchParamType.STRING,
                new StringValue("mul", StringValue.Match.STARTS_WITH)))).containsExactly("mueller");
    }

    @Test
    void referencesAndOneLevelChains() {
        writePatients();
        write(anObservationOf("o-mueller", "mueller").updatedAt(T0).build(),
                anObservationOf("o-smith", "smith").updatedAt(T0).build(),
                aResource("Observation", "o-group").referencing("subject", "Group/mueller").updatedAt(T0).build());

        assertThat(ids("Observation", on("subject", SearchParamType.REFERENCE,
                new ReferenceValue("Patient", "mueller")))).containsExactly("o-mueller");
        assertThat(ids("Observation", on("subject", SearchParamType.REFERENCE, new ReferenceValue(null, "mueller"))))
                .containsExactlyInAnyOrder("o-mueller", "o-group");
        assertThat(ids("Observation", new SearchCriterion("subject", SearchParamType.REFERENCE, "Patient",
                "birthdate", SearchParamType.DATE, List.of(new DateValue(DatePrefix.EQ,
                Instant.parse("1987-02-20T00:00:00Z"), Instant.parse("1987-02-21T00:00:00Z"))))))
                .containsExactly("o-mueller");
        assertThat(ids("Observation", new SearchCriterion("subject", SearchParamType.REFERENCE, "Patient", "name",
                SearchParamType.STRING, List.of(new StringValue("smi", StringValue.Match.STARTS_WITH)))))
                .containsExactly("o-smith");
    }

    @Test
    void pagesResumeAfterTheirLastItemEvenWhenItWasErased() {
        List<ResourceWrite> writes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            writes.add(aPatient(String.format("p%02d", i)).indexed(new TokenEntry("gender", null, "other"))
                    .updatedAt(T0).build());
        }
        store.writer().write(writes);
        SearchCriteria all = new SearchCriteria("Patient", List.of(on("gender", SearchParamType.TOKEN,
                new TokenValue(null, "other"))));

        ResourcePage first = store.searcher().search(all, NOW, null, 8);
        store.eraser().hardDelete(first.items());
        Set<ResourceKey> rest = new LinkedHashSet<>();
        String token = first.nextPageToken();
        while (token != null) {
            ResourcePage page = store.searcher().search(all, NOW, token, 8);
            rest.addAll(page.items());
            token = page.nextPageToken();
        }

        assertThat(first.items()).hasSize(8);
        assertThat(rest).hasSize(12).doesNotContainAnyElementsOf(first.items());
        assertThat(store.searcher().count(all, NOW)).isEqualTo(12);
    }
}
