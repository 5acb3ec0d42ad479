package com.fhirpurge.mongo;

import static com.fhirpurge.spi.contract.TestResources.PATIENT_COMPARTMENT;
import static com.fhirpurge.spi.contract.TestResources.aPatient;
import static com.fhirpurge.spi.contract.TestResources.aResource;
import static com.fhirpurge.spi.contract.TestResources.anObservationOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.ResourceWrite;
import com.mongodb.client.MongoClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Membership by element path on raw FHIR JSON: the reference forms FHIR allows match, lookalikes never do, and ids
 * full of regular-expression metacharacters are literals in the queries of both layouts.
 */
class MongoRawJsonMembershipTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final List<TestMongo> databases = new ArrayList<>();

    @AfterEach
    void drop() {
        databases.forEach(TestMongo::close);
    }

    private MongoResourceStore store(MongoLayout layout) {
        TestMongo mongo = TestMongo.create("membership");
        databases.add(mongo);
        MongoResourceStore store = new MongoResourceStore(mongo.database(mongo.newClient()), layout);
        store.ensureIndexes(PATIENT_COMPARTMENT);
        return store;
    }

    private static Set<ResourceKey> members(MongoResourceStore store, String patientId, int pageSize) {
        CompartmentScope scope = new CompartmentScope(PATIENT_COMPARTMENT, patientId);
        Set<ResourceKey> seen = new LinkedHashSet<>();
        String token = null;
        do {
            ResourcePage page = store.findMembers(scope, token, pageSize);
            for (ResourceKey k : page.items()) {
                assertThat(seen.add(k)).as("%s returned twice", k).isTrue();
            }
            token = page.nextPageToken();
        } while (token != null);
        assertThat(store.countMembers(scope)).isEqualTo(seen.size());
        return seen;
    }

    /** An Observation whose {@code subject.reference} is exactly {@code reference}, as a vendor might store it. */
    private static ResourceWrite observationReferencing(String id, String reference) {
        ResourceKey key = ResourceKey.of("Observation", id);
        String json = "{\"resourceType\":\"Observation\",\"id\":" + quote(id) + ",\"subject\":{\"reference\":"
                + quote(reference) + "}}";
        return new ResourceWrite(key, json, T0, List.of());
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private static ResourceKey key(String reference) {
        return ResourceKey.parse(reference);
    }

    @Test
    void otherPatientsPathsTypesAndLookalikeIdsAreExcludedAndTheSharedSubjectPathCounts() {
        MongoResourceStore store = store(MongoLayout.rawJson());
        store.write(List.of(aPatient("p1").build(),
                aPatient("p10").build(),
                anObservationOf("mine", "p1").build(),
                anObservationOf("other", "p2").build(),
                anObservationOf("prefix", "p10").build(),
                aResource("Observation", "focus").referencing("focus", "Patient/p1").build(),
                aResource("Observation", "group").referencing("subject", "Group/p1").build(),
                aResource("Encounter", "sharedPath").referencing("subject", "Patient/p1").build(),
                aResource("Practitioner", "pr1").referencing("organization", "Organization/p1").build()));

        // Encounter.subject is the element path of the compartment parameter Encounter.patient: a member in FHIR.
        assertThat(members(store, "p1", 100)).containsExactlyInAnyOrder(key("Patient/p1"), key("Observation/mine"),
                key("Encounter/sharedPath"));
        assertThat(members(store, "p10", 1)).containsExactlyInAnyOrder(key("Patient/p10"),
                key("Observation/prefix"));
    }

    @Test
    void versionedAndLocalAbsoluteReferencesMatchAndLookalikesAndOtherServersNever() {
        MongoResourceStore store = store(MongoLayout.builder(MongoLayout.Membership.RAW_JSON)
                .localBaseUrls("https://fhir.example.org/r4/", "http://localhost:8080", "https://fhir.example.org")
                .build());
        store.write(List.of(
                observationReferencing("relative", "Patient/p1"),
                observationReferencing("versioned", "Patient/p1/_history/3"),
                observationReferencing("absolute", "https://fhir.example.org/r4/Patient/p1"),
                observationReferencing("absoluteHttp", "http://localhost:8080/Patient/p1"),
                observationReferencing("absoluteVersioned", "https://fhir.example.org/Patient/p1/_history/12"),
                observationReferencing("longerId", "Patient/p12"),
                observationReferencing("longerIdAbsolute", "https://fhir.example.org/Patient/p12"),
                observationReferencing("otherType", "Group/p1"),
                observationReferencing("otherTypeAbsolute", "https://fhir.example.org/Group/p1"),
                observationReferencing("typeSuffix", "OtherPatient/p1"),
                observationReferencing("typeSuffixAbsolute", "https://x.org/OtherPatient/p1"),
                observationReferencing("historyWithoutVersion", "Patient/p1/_history/"),
                observationReferencing("trailing", "Patient/p1/extra"),
                observationReferencing("notAUrl", "ftp://x.org/Patient/p1"),
                observationReferencing("query", "https://x.org/Patient?id=Patient/p1x"),
                observationReferencing("otherServer", "https://other-hospital.org/fhir/Patient/p1"),
                observationReferencing("baseLookalike", "https://fhir.example.org.evil/Patient/p1"),
                observationReferencing("basePrefix", "https://fhir.example.org/r4x/Patient/p1"),
                observationReferencing("trailingNewline", "Patient/p1/_history/3\n")));

        assertThat(members(store, "p1", 2)).containsExactlyInAnyOrder(key("Observation/relative"),
                key("Observation/versioned"), key("Observation/absolute"), key("Observation/absoluteHttp"),
                key("Observation/absoluteVersioned"));
    }

    @Test
    void regularExpressionMetacharactersInIdsAreLiteralsInBothLayouts() {
        List<String> ids = List.of(".*", "p1|p2", "p1", "p2", "a+", "a", "aa", "(p1)", "[p]1", "p\\d", "p9", "^p1$",
                "p1)|(.*", "\\", "\\E.*\\Q", "?", "{1}", "p#1", "p 1", "p\n1", "$where", "{\"$gt\":\"\"}", "a.b",
                "\u00fc-\u00df-\u6570\u636e");
        for (MongoLayout.Membership membership : MongoLayout.Membership.values()) {
            MongoLayout layout = MongoLayout.builder(membership).localBaseUrls("https://x.org/fhir").build();
            MongoResourceStore store = store(layout);
            List<ResourceWrite> writes = new ArrayList<>();
            for (String id : ids) {
                writes.add(aPatient(id).build());
                writes.add(anObservationOf("obs-" + id, id).build());
                writes.add(observationReferencing("abs-" + id.hashCode(), "https://x.org/fhir/Patient/" + id));
            }
            store.write(writes);

            for (String id : ids) {
                assertThat(members(store, id, 2)).as("compartment of '%s' in %s", id, layout.membership())
                        .containsExactlyInAnyOrderElementsOf(layout.membership() == MongoLayout.Membership.RAW_JSON
                                ? List.of(key("Patient/" + id), key("Observation/obs-" + id),
                                        key("Observation/abs-" + id.hashCode()))
                                : List.of(key("Patient/" + id), key("Observation/obs-" + id)));
            }
        }
    }

    @Test
    void transactionsAreUsedOnlyWithAClientOnADeploymentThatHasThem() {
        TestMongo mongo = TestMongo.create("transactions");
        databases.add(mongo);
        MongoClient client = mongo.newClient();

        assertThat(new MongoResourceStore(mongo.database(client), MongoLayout.rawJson()).usesTransactions()).isFalse();
        if (TestMongo.inProcess()) {
            assertThat(new MongoResourceStore(client, mongo.databaseName(), MongoLayout.rawJson()).usesTransactions())
                    .as("the wire server is a standalone server without sessions").isFalse();
        }
    }

    @Test
    void readReturnsTheFhirJsonWithoutBookkeepingAndContentMayNotUseReservedFields() {
        MongoResourceStore store = store(MongoLayout.rawJson());
        store.write(List.of(anObservationOf("o1", "p1").note("v1").build()));

        String json = store.read(key("Observation/o1")).orElseThrow().json();
        assertThat(json).contains("\"resourceType\": \"Observation\"", "\"id\": \"o1\"", "Patient/p1", "v1")
                .doesNotContain("_id", "__version", "__deleted", "__lastUpdated", "__refs", "__resourceId");
        ResourceKey k = key("Observation/bad");
        for (String field : List.of("_id", "__version", "__refs")) {
            ResourceWrite bad = new ResourceWrite(k, "{\"resourceType\":\"Observation\",\"" + field + "\":1}", T0,
                    List.of(new IndexedReference(k, "subject", key("Patient/p1"))));
            assertThatThrownBy(() -> store.write(List.of(bad))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(field);
        }
        ResourceWrite primitiveExtension = new ResourceWrite(key("Questionnaire/q1"), "{\"resourceType\":"
                + "\"Questionnaire\",\"status\":\"draft\",\"version\":\"1\",\"_version\":{\"id\":\"v\"}}", T0, List.of());
        store.write(List.of(primitiveExtension));
        assertThat(store.read(key("Questionnaire/q1")).orElseThrow().json()).contains("\"_version\"");
        assertThatThrownBy(() -> store.write(List.of(new ResourceWrite(k, "[1]", T0, List.of()))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.read(k)).isEmpty();
    }
}
