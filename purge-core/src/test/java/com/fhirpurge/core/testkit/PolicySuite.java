package com.fhirpurge.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.DryRunReport;
import com.fhirpurge.core.InvalidRequestException;
import com.fhirpurge.core.OutsideReferencePolicy;
import com.fhirpurge.core.PatientStatus;
import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeJobStatus;
import com.fhirpurge.core.PurgeRequest;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.core.SharedResourcePolicy;
import com.fhirpurge.core.fhir.PatientCompartment;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.StoredResource;
import com.fhirpurge.spi.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dry run and the outside-reference policies on a store, with the R4 Patient compartment and real FHIR
 * resources indexed by HAPI: the fixtures of shared and outside-referenced data (a Group of several patients, an
 * Observation of another patient performed by the purged one, a Patient linked to the purged one, a Practitioner's
 * List naming a purged Observation), the dry run matching what a real purge then erases, FAIL leaving a referenced
 * patient whole, and REMOVE_REFERENCES leaving no dangling reference. An adapter's test class supplies a fresh store.
 */
public abstract class PolicySuite {

    private static final FhirContext CTX = FhirContext.forR4Cached();
    private static final Instant T0 = Instant.parse("2026-06-01T08:00:00Z");

    private final ReferenceExtractor extractor = new ReferenceExtractor(CTX);
    private final List<PurgeService> services = new ArrayList<>();
    private BulkDeleteSuite.Fixture store;

    /**
     * A fresh, empty store with every role the policies use (finder, eraser, reader, writer, jobs).
     *
     * @return its roles
     */
    protected abstract BulkDeleteSuite.Fixture newFixture();

    @BeforeEach
    void createStore() {
        store = newFixture();
    }

    @AfterEach
    void close() {
        services.forEach(PurgeService::close);
    }

    private void write(Resource... resources) {
        List<ResourceWrite> writes = new ArrayList<>();
        for (Resource r : resources) {
            writes.add(extractor.toWrite(r, T0));
        }
        store.writer().write(writes);
    }

    private Optional<StoredResource> read(ResourceKey key) {
        return store.reader().read(key);
    }

    private static Observation observation(String id, String subject) {
        Observation o = new Observation();
        o.setId(id);
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.setSubject(new Reference("Patient/" + subject));
        return o;
    }

    private PurgeService service() {
        // One worker: the patients of a job are purged in order, so what one erases never races another's check.
        PurgeService s = PurgeService.builder(store.storage())
                .config(PurgeConfig.builder().nodeId("dry").workers(1).batchSize(3).pollInterval(Duration.ofMillis(5))
                        .compartment(PatientCompartment.r4Spec(CTX)).build()).build();
        services.add(s);
        return s;
    }

    /**
     * p1 with its own Observation o1 and Encounter e1, an Observation o2 of p1 whose focus is o1 (inside), p9 linked
     * to p1, an Observation of p2 performed by p1, a Group of p1, p2 and p3, a Practitioner's List naming o1, and an
     * Observation of p3 whose focus is e1 (outside).
     */
    private void writeSharedAndReferencedFixtures() {
        write(new Patient().setId("p1"), new Patient().setId("p2"), new Patient().setId("p3"));
        Patient linked = new Patient();
        linked.setId("p9");
        linked.addLink().setOther(new Reference("Patient/p1")).setType(Patient.LinkType.SEEALSO);
        Observation own = observation("o1", "p1");
        Observation performedForOther = observation("o-p2", "p2");
        performedForOther.addPerformer(new Reference("Patient/p1"));
        Group group = new Group();
        group.setId("g1");
        group.setType(Group.GroupType.PERSON).setActual(true);
        for (String p : List.of("p1", "p2", "p3")) {
            group.addMember().setEntity(new Reference("Patient/" + p));
        }
        ListResource list = new ListResource();
        list.setId("l1");
        list.setStatus(ListResource.ListStatus.CURRENT).setMode(ListResource.ListMode.WORKING);
        list.setSource(new Reference("Practitioner/dr"));
        list.addEntry().setItem(new Reference("Observation/o1"));
        Encounter encounter = new Encounter();
        encounter.setId("e1");
        encounter.setStatus(Encounter.EncounterStatus.FINISHED);
        encounter.setSubject(new Reference("Patient/p1"));
        Observation inCompartment = observation("o2", "p1");
        inCompartment.addFocus(new Reference("Observation/o1"));
        Observation focusFromOutside = observation("o-p3", "p3");
        focusFromOutside.addFocus(new Reference("Encounter/e1"));
        write(linked, own, performedForOther, group, list, encounter, inCompartment, focusFromOutside);
    }

    @Test
    void reportsCountsSharedResourcesAndOutsideReferencesAndMatchesWhatAPurgeThenErases() throws Exception {
        writeSharedAndReferencedFixtures();
        PurgeService purge = service();

        DryRunReport report = purge.dryRun(PurgeRequest.of("p1", "nobody"));

        DryRunReport.Patient p1 = report.patients().get(0);
        assertThat(p1.wouldEraseByType()).isEqualTo(Map.of("Patient", 2L, "Observation", 3L, "Group", 1L,
                "Encounter", 1L));
        assertThat(p1.sharedCount()).isEqualTo(3);
        assertThat(p1.shared()).containsExactlyInAnyOrder(
                new DryRunReport.Shared(ResourceKey.of("Group", "g1"), List.of("p2", "p3")),
                new DryRunReport.Shared(ResourceKey.of("Observation", "o-p2"), List.of("p2")),
                new DryRunReport.Shared(ResourceKey.of("Patient", "p9"), List.of("p9")));
        assertThat(p1.outsideReferenceCount()).isEqualTo(2);
        assertThat(p1.outsideReferences()).containsExactlyInAnyOrder(
                new IndexedReference(ResourceKey.of("List", "l1"), "item", ResourceKey.of("Observation", "o1")),
                new IndexedReference(ResourceKey.of("Observation", "o-p3"), "focus",
                        ResourceKey.of("Encounter", "e1")));
        assertThat(report.patients().get(1).wouldEraseCount()).isZero();
        assertThat(read(ResourceKey.of("Observation", "o1"))).as("nothing erased").isPresent();

        PurgeJobStatus done = purge.start().awaitTermination(purge.submitPatientPurge(PurgeRequest.of("p1")),
                Duration.ofSeconds(30));
        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.patients().get(0).purgedByType()).isEqualTo(p1.wouldEraseByType());
        assertThat(read(ResourceKey.of("List", "l1"))).as("outside the compartment").isPresent();
        assertThat(read(ResourceKey.of("Observation", "o-p3"))).isPresent();
    }

    @Test
    void withPolicyFailAPatientReferencedFromOutsideIsNotPurgedAndOthersAre() throws Exception {
        writeSharedAndReferencedFixtures();
        PurgeService purge = service().start();

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge(PurgeRequest.of("p1", "p3")
                .withOutsideReferences(OutsideReferencePolicy.FAIL)), Duration.ofSeconds(30));

        PatientStatus p1 = done.patients().get(0);
        assertThat(p1.state()).isEqualTo(TaskState.ERROR);
        assertThat(p1.errorReason()).startsWith("2 references from outside the compartment point into it")
                .contains("List/l1 item -> Observation/o1").contains("Observation/o-p3 focus -> Encounter/e1")
                .contains("nothing of it was erased");
        assertThat(p1.purgedResourcesCount()).isZero();
        for (String kept : List.of("Patient/p1", "Observation/o1", "Observation/o2", "Encounter/e1", "Patient/p9")) {
            assertThat(read(ResourceKey.parse(kept))).as(kept).isPresent();
        }
        PatientStatus p3 = done.patients().get(1);
        assertThat(p3.state()).as("nothing outside points into p3's compartment").isEqualTo(TaskState.COMPLETED);
        assertThat(read(ResourceKey.of("Patient", "p3"))).isEmpty();
    }

    @Test
    void withPolicyRemoveReferencesTheReferrersOutsideGetANewVersionWithoutTheReferences() throws Exception {
        writeSharedAndReferencedFixtures();
        PurgeService purge = service().start();

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge(PurgeRequest.of("p1")
                .withOutsideReferences(OutsideReferencePolicy.REMOVE_REFERENCES)), Duration.ofSeconds(30));

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.patients().get(0).purgedResourcesCount()).isEqualTo(7);
        for (String referrer : List.of("List/l1", "Observation/o-p3")) {
            ResourceKey key = ResourceKey.parse(referrer);
            String json = read(key).orElseThrow().json();
            assertThat(json).as(referrer).doesNotContain("Observation/o1").doesNotContain("Encounter/e1")
                    .contains(ReferenceExtractor.REMOVED_DISPLAY);
            assertThat(store.reader().history(key, 10)).as("a new version of %s", referrer).hasSize(2);
        }
        ListResource list = CTX.newJsonParser().parseResource(ListResource.class,
                read(ResourceKey.of("List", "l1")).orElseThrow().json());
        assertThat(list.getSource().getReference()).as("other references stay").isEqualTo("Practitioner/dr");
        assertThat(store.storage().finder().findReferrers(List.of(ResourceKey.of("Observation", "o1"),
                ResourceKey.of("Encounter", "e1")), 10)).as("no dangling reference rows").isEmpty();
        assertThat(read(ResourceKey.of("Observation", "o-p3")).orElseThrow().json()).contains("Patient/p3");
    }

    @Test
    void withPolicyKeepSharedTheSharedMembersStayAndAreListedAndTheRestIsErased() throws Exception {
        writeSharedAndReferencedFixtures();
        PurgeService purge = service().start();

        PurgeJobStatus done = purge.awaitTermination(purge.submitPatientPurge(PurgeRequest.of("p1")
                .withSharedResources(SharedResourcePolicy.KEEP_SHARED)), Duration.ofSeconds(30));

        PatientStatus p1 = done.patients().get(0);
        assertThat(p1.state()).isEqualTo(TaskState.COMPLETED);
        List<ResourceKey> shared = List.of(ResourceKey.of("Group", "g1"), ResourceKey.of("Observation", "o-p2"),
                ResourceKey.of("Patient", "p9"));
        assertThat(p1.keptSharedCount()).isEqualTo(3);
        assertThat(p1.keptShared()).containsExactlyInAnyOrderElementsOf(shared);
        assertThat(p1.purgedByType()).isEqualTo(Map.of("Patient", 1L, "Observation", 2L, "Encounter", 1L));
        shared.forEach(k -> assertThat(read(k)).as("kept %s", k).isPresent());
        for (String gone : List.of("Patient/p1", "Observation/o1", "Observation/o2", "Encounter/e1")) {
            assertThat(read(ResourceKey.parse(gone))).as(gone).isEmpty();
        }
        assertThat(read(ResourceKey.of("Patient", "p2"))).isPresent();
    }

    @Test
    void badPatientIdsAreRefusedAsForAPurge() {
        assertThatThrownBy(() -> service().dryRun(PurgeRequest.of("not valid")))
                .isInstanceOf(InvalidRequestException.class);
    }
}
