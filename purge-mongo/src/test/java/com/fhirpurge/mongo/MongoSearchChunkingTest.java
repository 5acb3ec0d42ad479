package com.fhirpurge.mongo;

import static com.fhirpurge.spi.contract.TestResources.aPatient;
import static com.fhirpurge.spi.contract.TestResources.aResource;
import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.spi.IndexEntry.StringEntry;
import com.fhirpurge.spi.IndexEntry.TokenEntry;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.SearchCriteria;
import com.fhirpurge.spi.SearchCriterion;
import com.fhirpurge.spi.SearchParamType;
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
 * Chains whose target ids exceed one chunk are searched chunk by chunk and merged: with a chunk of two ids, the
 * pages and the count equal those of a single query, and the search index fields never show in reads.
 */
class MongoSearchChunkingTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private TestMongo mongo;
    private MongoResourceStore store;

    @BeforeEach
    void setUp() {
        mongo = TestMongo.create("chunks");
        store = new MongoResourceStore(mongo.database(mongo.newClient()), MongoLayout.rawJson());
    }

    @AfterEach
    void tearDown() {
        mongo.close();
    }

    @Test
    void largeChainsAreSearchedInChunksAndMerged() {
        List<ResourceWrite> writes = new ArrayList<>();
        Set<String> expected = new LinkedHashSet<>();
        for (int i = 0; i < 7; i++) {
            String name = i % 3 == 2 ? "jones" : "smith";
            writes.add(aPatient("p" + i).indexed(new StringEntry("name", name, name)).updatedAt(T0).build());
            writes.add(aResource("Practitioner", "pr" + i).indexed(new TokenEntry("role", null, i < 4 ? "md" : "rn"))
                    .updatedAt(T0).build());
        }
        for (int i = 0; i < 7; i++) {
            for (int j = 0; j < 7; j++) {
                String id = "o" + i + "-" + j;
                writes.add(aResource("Observation", id).referencing("subject", "Patient/p" + i)
                        .referencing("performer", "Practitioner/pr" + j).updatedAt(T0).build());
                if (i % 3 != 2 && j < 4) {
                    expected.add(id);
                }
            }
        }
        store.write(writes);
        SearchCriteria criteria = new SearchCriteria("Observation", List.of(
                new SearchCriterion("subject", SearchParamType.REFERENCE, "Patient", "name", SearchParamType.STRING,
                        List.of(new StringValue("smi", StringValue.Match.STARTS_WITH))),
                new SearchCriterion("performer", SearchParamType.REFERENCE, "Practitioner", "role",
                        SearchParamType.TOKEN, List.of(new TokenValue(null, "md")))));

        List<String> single = all(criteria, 5);
        long singleCount = store.count(criteria, T0);
        store.chainChunk(2);
        List<String> chunked = all(criteria, 5);

        assertThat(single).containsExactlyInAnyOrderElementsOf(expected).isSorted();
        assertThat(chunked).isEqualTo(single);
        assertThat(singleCount).isEqualTo(expected.size());
        assertThat(store.count(criteria, T0)).isEqualTo(expected.size());
        assertThat(store.read(ResourceKey.of("Patient", "p0")).orElseThrow().json())
                .doesNotContain("__str", "__tok", "__date", "__refs");
    }

    private List<String> all(SearchCriteria criteria, int limit) {
        List<String> ids = new ArrayList<>();
        String token = null;
        do {
            ResourcePage page = store.search(criteria, T0, token, limit);
            assertThat(page.items()).hasSizeLessThanOrEqualTo(limit);
            page.items().forEach(k -> ids.add(k.id()));
            token = page.nextPageToken();
        } while (token != null);
        return ids;
    }
}
