package com.fhirpurge.spi.contract;

import static com.fhirpurge.spi.contract.TestResources.PATIENT_COMPARTMENT;
import static com.fhirpurge.spi.contract.TestResources.aPatient;
import static com.fhirpurge.spi.contract.TestResources.aResource;
import static com.fhirpurge.spi.contract.TestResources.anObservationOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.Footprint;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceFinder;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.ResourceReader;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.ResourceWriter;
import com.fhirpurge.spi.StoreException;
import com.fhirpurge.spi.StoredResource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of the finding, erasing, writing and reading roles. An adapter's test class extends this, returns
 * its store from {@link #createStore()} (empty, as for a fresh schema) and cleans up in {@link #cleanup()}.
 * Nothing else is needed; every test checks both directions: nothing in scope left behind, nothing out of scope
 * touched.
 */
public abstract class ResourceStoreContract {

    /**
     * The roles under test; one object may play them all.
     *
     * @param finder the finding role
     * @param eraser the erasing role
     * @param writer the writing role
     * @param reader the reading role
     */
    public record Store(ResourceFinder finder, ResourceEraser eraser, ResourceWriter writer,
                           ResourceReader reader) {
    }

    private static final Instant LATER = Instant.parse("2026-02-01T00:00:00Z");

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

    /**
     * A fault injector for the atomicity test, when the adapter can inject faults.
     *
     * @return the injector, or empty to skip that test
     */
    protected Optional<FaultInjector> faultInjector() {
        return Optional.empty();
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

    private static CompartmentScope patient(String id) {
        return new CompartmentScope(PATIENT_COMPARTMENT, id);
    }

    private Set<ResourceKey> allMembers(CompartmentScope scope, int pageSize) {
        Set<ResourceKey> seen = new LinkedHashSet<>();
        String token = null;
        do {
            ResourcePage page = store.finder().findMembers(scope, token, pageSize);
            assertThat(page.items()).hasSizeLessThanOrEqualTo(pageSize);
            for (ResourceKey k : page.items()) {
                assertThat(seen.add(k)).as("member %s returned twice", k).isTrue();
            }
            token = page.nextPageToken();
        } while (token != null);
        return seen;
    }

    private Map<ResourceKey, Footprint> footprints(List<ResourceKey> keys) {
        Map<ResourceKey, Footprint> result = new HashMap<>();
        for (ResourceKey k : keys) {
            result.put(k, store.reader().footprint(k));
        }
        return result;
    }

    private static ResourceKey key(String reference) {
        return ResourceKey.parse(reference);
    }

    // ---------------------------------------------------------------- finding

    @Test
    void findsTheOwnerAndEveryMemberOnceWhateverParameterMatches() {
        write(aPatient("p1").build(),
                anObservationOf("o1", "p1").build(),
                aResource("Observation", "o2").referencing("performer", "Patient/p1").build(),
                anObservationOf("o3", "p1").referencing("performer", "Patient/p1").build(),
                aResource("Encounter", "e1").referencing("patient", "Patient/p1").build(),
                aResource("Group", "g1").referencing("member", "Patient/p1").referencing("member", "Patient/p2").build(),
                aResource("AuditEvent", "a1").referencing("patient", "Patient/p1").build(),
                aPatient("p9").referencing("link", "Patient/p1").build());

        assertThat(allMembers(patient("p1"), 100)).containsExactlyInAnyOrder(
                key("Patient/p1"), key("Observation/o1"), key("Observation/o2"), key("Observation/o3"),
                key("Encounter/e1"), key("Group/g1"), key("AuditEvent/a1"), key("Patient/p9"));
        assertThat(store.finder().countMembers(patient("p1"))).isEqualTo(8);
    }

    @Test
    void excludesOtherPatientsOtherParametersOtherTypesAndLookalikeIds() {
        write(aPatient("p1").build(),
                aPatient("p10").build(),
                anObservationOf("mine", "p1").build(),
                anObservationOf("other", "p2").build(),
                anObservationOf("prefix", "p10").build(),
                aResource("Observation", "focus").referencing("focus", "Patient/p1").build(),
                aResource("Observation", "group").referencing("subject", "Group/p1").build(),
                aResource("Encounter", "wrongParam").referencing("participant", "Patient/p1").build(),
                aResource("Practitioner", "pr1").referencing("organization", "Organization/p1").build());

        assertThat(allMembers(patient("p1"), 100))
                .containsExactlyInAnyOrder(key("Patient/p1"), key("Observation/mine"));
        assertThat(store.finder().countMembers(patient("p1"))).isEqualTo(2);
    }

    @Test
    void aCompartmentWithoutOwnerResourceStillHasItsMembers() {
        write(anObservationOf("o1", "gone").build());

        assertThat(allMembers(patient("gone"), 10)).containsExactly(key("Observation/o1"));
        assertThat(allMembers(patient("nobody"), 10)).isEmpty();
        assertThat(store.finder().countMembers(patient("nobody"))).isZero();
    }

    @Test
    void pagesAreBoundedDeterministicAndCoverEveryMember() {
        List<ResourceWrite> writes = new ArrayList<>();
        writes.add(aPatient("p1").build());
        IntStream.range(0, 30).forEach(i -> writes.add(anObservationOf("o" + i, "p1").build()));
        IntStream.range(0, 12).forEach(i -> writes.add(
                aResource("Encounter", "e" + i).referencing("patient", "Patient/p1").build()));
        store.writer().write(writes);

        Set<ResourceKey> first = allMembers(patient("p1"), 7);
        Set<ResourceKey> second = allMembers(patient("p1"), 7);

        assertThat(first).hasSize(43).containsExactlyElementsOf(second);
        assertThat(allMembers(patient("p1"), 1)).containsExactlyInAnyOrderElementsOf(first);
        assertThat(allMembers(patient("p1"), 1000)).containsExactlyInAnyOrderElementsOf(first);
    }

    @Test
    void theFirstPagesOfSeveralCompartmentsAreEachCompartmentsFirstPage() {
        List<ResourceWrite> writes = new ArrayList<>();
        writes.add(aPatient("small").build());
        IntStream.range(0, 3).forEach(i -> writes.add(anObservationOf("s" + i, "small").build()));
        writes.add(aPatient("big").build());
        IntStream.range(0, 12).forEach(i -> writes.add(anObservationOf("b" + i, "big").build()));
        writes.add(aPatient("exact").build());
        IntStream.range(0, 4).forEach(i -> writes.add(anObservationOf("x" + i, "exact").build()));
        writes.add(aPatient("onemore").build());
        IntStream.range(0, 5).forEach(i -> writes.add(anObservationOf("m" + i, "onemore").build()));
        // Rows through several parameters, a resource in two compartments, and members without an owner.
        IntStream.range(0, 6).forEach(i -> writes.add(anObservationOf("d" + i, "dup")
                .referencing("performer", "Patient/dup").referencing("performer", "Patient/small").build()));
        writes.add(aPatient("dup").build());
        writes.add(anObservationOf("o1", "orphaned").build());
        writes.add(aPatient("alone").build());
        store.writer().write(writes);
        List<CompartmentScope> scopes = Stream.of("small", "big", "exact", "onemore", "dup", "orphaned", "alone",
                "nobody", "big").map(ResourceStoreContract::patient).toList();

        for (int limit : new int[] {1, 2, 5, 7, 100}) {
            List<ResourcePage> expected = scopes.stream().map(s -> store.finder().findMembers(s, null, limit))
                    .toList();
            assertThat(store.finder().findFirstPages(scopes, limit)).as("limit %d", limit)
                    .containsExactlyElementsOf(expected);
        }
        assertThat(store.finder().findFirstPages(List.of(), 5)).isEmpty();
        ResourcePage bigFirst = store.finder().findFirstPages(scopes, 5).get(1);
        assertThat(allMembers(patient("big"), 5)).startsWith(bigFirst.items().toArray(ResourceKey[]::new));
        ResourcePage next = store.finder().findMembers(patient("big"), bigFirst.nextPageToken(), 5);
        assertThat(next.items()).hasSize(5).doesNotContainAnyElementsOf(bigFirst.items());
    }

    @Test
    void aPageTokenResumesAfterItsPageEvenWhenThatPageWasErased() {
        List<ResourceWrite> writes = new ArrayList<>();
        IntStream.range(0, 20).forEach(i -> writes.add(anObservationOf(String.format("o%02d", i), "p1").build()));
        store.writer().write(writes);

        ResourcePage page1 = store.finder().findMembers(patient("p1"), null, 8);
        assertThat(page1.items()).hasSize(8);
        store.eraser().hardDelete(page1.items());

        Set<ResourceKey> rest = new LinkedHashSet<>();
        String token = page1.nextPageToken();
        while (token != null) {
            ResourcePage page = store.finder().findMembers(patient("p1"), token, 8);
            rest.addAll(page.items());
            token = page.nextPageToken();
        }
        assertThat(rest).hasSize(12).doesNotContainAnyElementsOf(page1.items());
    }

    @Test
    void findsReferrersFromOutsideTheSetOnly() {
        write(anObservationOf("o1", "p1").build(),
                anObservationOf("o2", "p1").build(),
                aResource("DiagnosticReport", "inside").referencing("result", "Observation/o1").build(),
                aResource("List", "outside").referencing("item", "Observation/o1")
                        .referencing("item", "Observation/o2").build(),
                aResource("Observation", "unrelated").referencing("focus", "Observation/o9").build());

        List<IndexedReference> refs = store.finder().findReferrers(
                List.of(key("Observation/o1"), key("Observation/o2"), key("DiagnosticReport/inside")), 10);

        assertThat(refs).containsExactly(
                new IndexedReference(key("List/outside"), "item", key("Observation/o1")),
                new IndexedReference(key("List/outside"), "item", key("Observation/o2")));
        assertThat(store.finder().findReferrers(List.of(key("Observation/o1")), 1)).hasSize(1);
    }

    @Test
    void findsWhichResourcesStillExistTombstonesIncluded() {
        write(anObservationOf("live", "p1").build(), anObservationOf("tombstone", "p1").build(),
                anObservationOf("erased", "p1").build(), aPatient("live").build());
        store.eraser().softDelete(List.of(key("Observation/tombstone")), LATER);
        store.eraser().hardDelete(List.of(key("Observation/erased")));

        assertThat(store.finder().findExisting(List.of(key("Observation/erased"), key("Patient/live"),
                key("Observation/unknown"), key("Observation/tombstone"), key("Observation/live"),
                key("Patient/live")))).containsExactly(key("Patient/live"), key("Observation/tombstone"),
                key("Observation/live"));
        assertThat(store.finder().findExisting(List.of())).isEmpty();
    }

    @Test
    void findsWhichResourcesStillExistInALargeBatchOfSeveralTypes() {
        List<ResourceWrite> writes = new ArrayList<>();
        List<ResourceKey> asked = new ArrayList<>();
        List<ResourceKey> existing = new ArrayList<>();
        List<String> types = List.of("Observation", "Patient", "Encounter");
        for (int i = 0; i < 1500; i++) {
            String type = types.get(i % types.size());
            ResourceKey k = key(type + "/r" + i);
            asked.add(k);
            if (i % 4 != 1) {
                writes.add(aResource(type, "r" + i).build());
                existing.add(k);
            }
        }
        store.writer().write(writes);
        List<ResourceKey> erased = List.of(key("Observation/r0"), key("Patient/r1000"), key("Encounter/r1499"));
        store.eraser().hardDelete(erased);
        existing.removeAll(erased);

        assertThat(store.finder().findExisting(asked)).containsExactlyElementsOf(existing);
    }

    // ---------------------------------------------------------------- writing and reading

    @Test
    void everyWriteAddsAVersionAndHistoryIsNewestFirst() {
        List<Long> versions = store.writer().write(List.of(
                anObservationOf("o1", "p1").note("v1").build(),
                anObservationOf("o1", "p1").note("v2").build()));
        List<Long> third = store.writer().write(List.of(anObservationOf("o1", "p1").note("v3").build()));

        assertThat(versions).containsExactly(1L, 2L);
        assertThat(third).containsExactly(3L);
        assertThat(store.reader().read(key("Observation/o1"))).get()
                .satisfies(r -> assertThat(r.version()).isEqualTo(3))
                .satisfies(r -> assertThat(r.json()).contains("v3"));
        assertThat(store.reader().history(key("Observation/o1"), 10))
                .extracting(StoredResource::version).containsExactly(3L, 2L, 1L);
        assertThat(store.reader().history(key("Observation/o1"), 2)).hasSize(2);
        assertThat(store.reader().footprint(key("Observation/o1"))).isEqualTo(new Footprint(1, 2, 1));
        assertThat(store.reader().read(key("Observation/none"))).isEmpty();
        assertThat(store.reader().footprint(key("Observation/none"))).isEqualTo(Footprint.NONE);
    }

    // ---------------------------------------------------------------- hard delete

    @Test
    void hardDeleteLeavesNoResidueAndTouchesNothingElse() {
        write(aPatient("p1").build(), aPatient("p1").note("v2").build(),
                anObservationOf("o1", "p1").referencing("performer", "Patient/p2").build(),
                anObservationOf("o1", "p1").note("v2").build(),
                anObservationOf("o1", "p1").note("v3").build(),
                aPatient("p2").build(),
                anObservationOf("control", "p2").referencing("performer", "Patient/p1").build(),
                aResource("List", "refs-o1").referencing("item", "Observation/o1").build());
        List<ResourceKey> control = List.of(key("Patient/p2"), key("Observation/control"), key("List/refs-o1"));
        Map<ResourceKey, Footprint> before = footprints(control);
        Map<ResourceKey, Optional<StoredResource>> contentBefore = new HashMap<>();
        control.forEach(k -> contentBefore.put(k, store.reader().read(k)));

        List<ResourceKey> erased = store.eraser().hardDelete(List.of(key("Patient/p1"), key("Observation/o1")));

        assertThat(erased).containsExactly(key("Patient/p1"), key("Observation/o1"));
        for (ResourceKey k : erased) {
            assertThat(store.reader().footprint(k)).as("residue of %s", k).isEqualTo(Footprint.NONE);
            assertThat(store.reader().read(k)).isEmpty();
            assertThat(store.reader().history(k, 10)).isEmpty();
        }
        assertThat(footprints(control)).isEqualTo(before);
        control.forEach(k -> assertThat(store.reader().read(k)).isEqualTo(contentBefore.get(k)));
    }

    @Test
    void hardDeleteIsIdempotentAndReportsOnlyWhatItErased() {
        write(anObservationOf("o1", "p1").build(), anObservationOf("o2", "p1").build());

        assertThat(store.eraser().hardDelete(List.of(key("Observation/o1"), key("Observation/missing"))))
                .containsExactly(key("Observation/o1"));
        assertThat(store.eraser().hardDelete(List.of(key("Observation/o1")))).isEmpty();
        assertThat(store.eraser().hardDelete(List.of())).isEmpty();
        assertThat(store.reader().read(key("Observation/o2"))).isPresent();
    }

    @Test
    void aHardDeletedResourceStartsAgainAtVersionOne() {
        write(anObservationOf("o1", "p1").build(), anObservationOf("o1", "p1").build());
        store.eraser().hardDelete(List.of(key("Observation/o1")));

        assertThat(store.writer().write(List.of(anObservationOf("o1", "p1").build()))).containsExactly(1L);
        assertThat(store.reader().footprint(key("Observation/o1"))).isEqualTo(new Footprint(1, 0, 1));
    }

    @Test
    void hostileIdsAreDataNeverQueryText() {
        List<String> hostile = List.of("o'1", "a;DROP TABLE x;--", "%", "_", "p%", "ü-ß-数据", "$where",
                "{\"$gt\":\"\"}", "a.b", "x".repeat(64), "back\\slash", "q\"uote");
        List<ResourceWrite> writes = new ArrayList<>();
        for (String id : hostile) {
            writes.add(aPatient(id).build());
            writes.add(anObservationOf("obs-" + id, id).build());
        }
        writes.add(aPatient("p1").build());
        writes.add(anObservationOf("obs-p1", "p1").build());
        store.writer().write(writes);

        for (String id : hostile) {
            assertThat(allMembers(patient(id), 3)).as("compartment of %s", id)
                    .containsExactlyInAnyOrder(key("Patient/" + id), key("Observation/obs-" + id));
            assertThat(store.finder().countMembers(patient(id))).isEqualTo(2);
        }
        List<ResourceKey> percent = List.of(key("Patient/%"), key("Observation/obs-%"));
        assertThat(store.eraser().hardDelete(percent)).containsExactlyElementsOf(percent);
        for (String id : hostile) {
            if (!id.equals("%")) {
                assertThat(store.reader().read(key("Patient/" + id))).as("%s survives", id).isPresent();
                assertThat(store.reader().read(key("Observation/obs-" + id))).isPresent();
            }
        }
        assertThat(store.reader().read(key("Patient/p1"))).isPresent();
        assertThat(store.reader().footprint(key("Observation/obs-%"))).isEqualTo(Footprint.NONE);
    }

    @Test
    void aFailedBatchLeavesNoHalfDeletedResourceAndARetryFinishesIt() {
        FaultInjector faults = faultInjector().orElse(null);
        assumeTrue(faults != null, "adapter cannot inject faults");
        List<ResourceWrite> writes = new ArrayList<>();
        List<ResourceKey> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            writes.add(anObservationOf("o" + i, "p1").build());
            writes.add(anObservationOf("o" + i, "p1").note("v2").build());
            batch.add(key("Observation/o" + i));
        }
        writes.add(anObservationOf("control", "p2").build());
        store.writer().write(writes);
        Map<ResourceKey, Footprint> before = footprints(batch);

        faults.failNextEraseMidway();
        assertThatThrownBy(() -> store.eraser().hardDelete(batch)).isInstanceOf(StoreException.class);

        for (ResourceKey k : batch) {
            Footprint f = store.reader().footprint(k);
            if (faults.atomicBatches()) {
                assertThat(f).as("rolled back %s", k).isEqualTo(before.get(k));
            } else if (f.currentRows() == 0) {
                assertThat(f).as("half-deleted %s", k).isEqualTo(Footprint.NONE);
            }
        }
        store.eraser().hardDelete(batch);
        assertThat(footprints(batch).values()).containsOnly(Footprint.NONE);
        assertThat(store.reader().read(key("Observation/control"))).isPresent();
    }

    // ---------------------------------------------------------------- soft delete and purge history

    @Test
    void softDeleteAddsATombstoneKeepsHistoryAndStaysFindableForAPurge() {
        write(anObservationOf("o1", "p1").build(), anObservationOf("o1", "p1").note("v2").build(),
                anObservationOf("control", "p1").build());

        assertThat(store.eraser().softDelete(List.of(key("Observation/o1"), key("Observation/none")), LATER))
                .containsExactly(key("Observation/o1"));

        StoredResource tombstone = store.reader().read(key("Observation/o1")).orElseThrow();
        assertThat(tombstone.deleted()).isTrue();
        assertThat(tombstone.version()).isEqualTo(3);
        assertThat(tombstone.lastUpdated()).isEqualTo(LATER);
        assertThat(store.reader().history(key("Observation/o1"), 10))
                .extracting(StoredResource::version).containsExactly(3L, 2L, 1L);
        assertThat(allMembers(patient("p1"), 10))
                .containsExactlyInAnyOrder(key("Observation/o1"), key("Observation/control"));
        assertThat(store.reader().read(key("Observation/control")).orElseThrow().deleted()).isFalse();

        assertThat(store.eraser().softDelete(List.of(key("Observation/o1")), LATER)).isEmpty();
        assertThat(store.reader().read(key("Observation/o1")).orElseThrow().version()).isEqualTo(3);

        store.eraser().hardDelete(List.of(key("Observation/o1")));
        assertThat(store.reader().footprint(key("Observation/o1"))).isEqualTo(Footprint.NONE);
    }

    @Test
    void purgeHistoryKeepsOnlyTheCurrentVersion() {
        write(anObservationOf("o1", "p1").note("v1").build(), anObservationOf("o1", "p1").note("v2").build(),
                anObservationOf("o1", "p1").note("v3").build(),
                anObservationOf("single", "p1").build(),
                anObservationOf("control", "p1").build(), anObservationOf("control", "p1").note("c2").build());

        assertThat(store.eraser().purgeHistory(List.of(key("Observation/o1"), key("Observation/single"))))
                .containsExactly(key("Observation/o1"));

        StoredResource current = store.reader().read(key("Observation/o1")).orElseThrow();
        assertThat(current.version()).isEqualTo(3);
        assertThat(current.json()).contains("v3");
        assertThat(store.reader().history(key("Observation/o1"), 10)).extracting(StoredResource::version)
                .containsExactly(3L);
        assertThat(store.reader().footprint(key("Observation/o1"))).isEqualTo(new Footprint(1, 0, 1));
        assertThat(store.reader().footprint(key("Observation/control"))).isEqualTo(new Footprint(1, 1, 1));
        assertThat(store.eraser().purgeHistory(List.of(key("Observation/o1")))).isEmpty();
        assertThat(allMembers(patient("p1"), 10)).contains(key("Observation/o1"));
    }
}
