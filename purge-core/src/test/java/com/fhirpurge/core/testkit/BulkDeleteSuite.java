package com.fhirpurge.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.BulkDeleteRequest;
import com.fhirpurge.core.BulkDeleteStatus;
import com.fhirpurge.core.InvalidRequestException;
import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.spi.EraseMode;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceReader;
import com.fhirpurge.spi.ResourceWriter;
import com.fhirpurge.spi.StoreException;
import com.fhirpurge.spi.StoredResource;
import com.fhirpurge.spi.TaskState;
import com.fhirpurge.spi.contract.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bulk delete end to end on one store: real FHIR resources indexed with HAPI at write time, the engine's workers,
 * the store's search and erase. Every test checks both directions: what the criteria match is gone (or deleted, or
 * stripped of its history) and every resource they do not match is exactly as it was.
 *
 * <p>An adapter runs it by returning a fresh, empty store from {@link #newFixture()}.
 */
public abstract class BulkDeleteSuite {

    private static final FhirContext R4 = FhirContext.forR4Cached();
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final Instant PATIENTS_WRITTEN = Instant.parse("2025-01-01T00:00:00Z");
    private static final Instant OBSERVATIONS_WRITTEN = Instant.parse("2025-06-01T00:00:00Z");
    private static final Instant LATE_WRITTEN = Instant.parse("2025-09-01T00:00:00Z");

    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T12:00:00Z"));
    private final ReferenceExtractor extractor = new ReferenceExtractor(R4);
    private final List<PurgeService> services = new ArrayList<>();
    private Fixture fixture;

    /**
     * A store's roles for one test.
     *
     * @param storage the storage roles, with a searcher
     * @param writer  writes resources into the same store
     * @param reader  reads them back
     */
    public record Fixture(PurgeStorage storage, ResourceWriter writer, ResourceReader reader) {
    }

    /**
     * A fresh, empty store.
     *
     * @return its roles
     */
    protected abstract Fixture newFixture();

    private Fixture fixture() {
        if (fixture == null) {
            fixture = newFixture();
        }
        return fixture;
    }

    @AfterEach
    void closeServices() {
        services.forEach(PurgeService::close);
    }

    private PurgeService service(PurgeStorage storage, int batchSize) {
        PurgeConfig config = PurgeConfig.builder().nodeId("bulk").workers(2).batchSize(batchSize)
                .pollInterval(Duration.ofMillis(10)).retry(3, Duration.ofMillis(1), Duration.ofMillis(5)).build();
        PurgeService service = PurgeService.builder(storage).config(config).clock(clock).build();
        services.add(service);
        return service;
    }

    private PurgeService started() {
        return service(fixture().storage(), 3).start();
    }

    // ------------------------------------------------------------------------------------------ the data set

    private static Patient patient(String id, String family, String city, String birthDate,
                                   AdministrativeGender gender, String idSystem, String idValue) {
        Patient p = new Patient();
        p.setId(id);
        p.addName(new HumanName().setFamily(family).addGiven("Test"));
        p.addAddress(new Address().setCity(city));
        p.setBirthDateElement(new DateType(birthDate));
        p.setGender(gender);
        p.addIdentifier(new Identifier().setSystem(idSystem).setValue(idValue));
        return p;
    }

    private static Observation observation(String id, String subject, String system, String code, String effective) {
        Observation o = new Observation();
        o.setId(id);
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.setSubject(new Reference(subject));
        CodeableConcept concept = new CodeableConcept();
        concept.addCoding().setSystem(system).setCode(code);
        o.setCode(concept);
        o.setEffective(new DateTimeType(effective));
        return o;
    }

    private static Encounter encounter(String id, String patient) {
        Encounter e = new Encounter();
        e.setId(id);
        e.setStatus(Encounter.EncounterStatus.FINISHED);
        e.setSubject(new Reference("Patient/" + patient));
        return e;
    }

    /** Writes the data set every criteria test searches; returns every key written. */
    private List<ResourceKey> writeDataSet() {
        List<ResourceKey> keys = new ArrayList<>();
        write(PATIENTS_WRITTEN, keys,
                patient("p-meadow", "Müller", "Auf der Wiese", "1987-02-20", AdministrativeGender.FEMALE,
                        "http://hospital.example/mrn", "M1"),
                patient("p-berlin", "Mueller", "Berlin", "1987-02-20", AdministrativeGender.MALE,
                        "http://other.example/ids", "M1"),
                patient("p-wiesloch", "Schmidt", "Wiesloch", "1990-01-01", AdministrativeGender.FEMALE,
                        null, "M2"),
                patient("p-young", "Smith", "Hamburg", "2001-07-15", AdministrativeGender.OTHER,
                        "http://hospital.example/mrn", "M3"));
        write(OBSERVATIONS_WRITTEN, keys,
                observation("o-meadow", "Patient/p-meadow", "http://loinc.org", "8867-4", "2024-03-10T10:00:00Z"),
                observation("o-berlin", "Patient/p-berlin", "http://loinc.org", "2339-0", "2024-03-11"),
                observation("o-wiesloch", "Patient/p-wiesloch", "http://snomed.info/sct", "8867-4",
                        "2023-12-31T23:00:00Z"),
                observation("o-nosystem", "Patient/p-young", null, "8867-4", "2022-05-05"),
                encounter("e-meadow", "p-meadow"));
        write(LATE_WRITTEN, keys,
                observation("o-group", "Group/g1", "http://loinc.org", "8867-4", "2024-05-01T08:00:00Z"));
        return keys;
    }

    private void write(Instant at, List<ResourceKey> keys, IBaseResource... resources) {
        List<com.fhirpurge.spi.ResourceWrite> writes = new ArrayList<>();
        for (IBaseResource r : resources) {
            writes.add(extractor.toWrite(r, at));
            keys.add(ResourceKey.of(r.fhirType(), r.getIdElement().getIdPart()));
        }
        fixture().writer().write(writes);
    }

    private static Map<String, List<String>> query(String... nameValues) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            query.computeIfAbsent(nameValues[i], k -> new ArrayList<>()).add(nameValues[i + 1]);
        }
        return query;
    }

    private boolean isLive(ResourceKey key) {
        Optional<StoredResource> current = fixture().reader().read(key);
        return current.isPresent() && !current.get().deleted();
    }

    private BulkDeleteStatus run(PurgeService service, BulkDeleteRequest request) throws InterruptedException {
        String jobId = service.submitBulkDelete(request);
        BulkDeleteStatus done = service.awaitBulkDelete(jobId, WAIT);
        assertThat(done.isFinished()).as("job %s finished", jobId).isTrue();
        return done;
    }

    // ------------------------------------------------------------------------------------------ criteria

    static Stream<Arguments> criteria() {
        return Stream.of(
                // strings: starts-with on the normalised value, :exact as written, :contains
                Arguments.of("Patient", "family=mull", "p-meadow"),
                Arguments.of("Patient", "family:exact=Müller", "p-meadow"),
                Arguments.of("Patient", "family:exact=müller", ""),
                Arguments.of("Patient", "address:contains=Wiese", "p-meadow"),
                Arguments.of("Patient", "address-city=wies", "p-wiesloch"),
                Arguments.of("Patient", "name:contains=LLER", "p-meadow,p-berlin"),
                // tokens: code, system|code, |code, system|, OR within a parameter
                Arguments.of("Patient", "gender=female", "p-meadow,p-wiesloch"),
                Arguments.of("Observation", "code=8867-4", "o-meadow,o-wiesloch,o-nosystem,o-group"),
                Arguments.of("Observation", "code=http://loinc.org|8867-4", "o-meadow,o-group"),
                Arguments.of("Observation", "code=|8867-4", "o-nosystem"),
                Arguments.of("Observation", "code=http://snomed.info/sct|", "o-wiesloch"),
                Arguments.of("Observation", "code=2339-0,http://snomed.info/sct|8867-4", "o-berlin,o-wiesloch"),
                Arguments.of("Patient", "identifier=http://hospital.example/mrn|M1", "p-meadow"),
                // dates: partial dates and prefixes
                Arguments.of("Patient", "birthdate=1987-02-20", "p-meadow,p-berlin"),
                Arguments.of("Patient", "birthdate=1987", "p-meadow,p-berlin"),
                Arguments.of("Patient", "birthdate=lt1990-01-01", "p-meadow,p-berlin"),
                Arguments.of("Patient", "birthdate=ge1990", "p-wiesloch,p-young"),
                Arguments.of("Observation", "date=2024-03", "o-meadow,o-berlin"),
                Arguments.of("Observation", "date=gt2024-03-10T12:00:00Z", "o-berlin,o-group"),
                Arguments.of("Observation", "date=sa2024-01-01", "o-meadow,o-berlin,o-group"),
                Arguments.of("Observation", "date=eb2024-01-01", "o-wiesloch,o-nosystem"),
                Arguments.of("Observation", "date=ne2024-03", "o-wiesloch,o-nosystem,o-group"),
                Arguments.of("Observation", "date=le2023-12-31", "o-wiesloch,o-nosystem"),
                // references: Type/id, id, :Type, the patient parameter
                Arguments.of("Observation", "subject=Patient/p-meadow", "o-meadow"),
                Arguments.of("Observation", "subject=p-berlin", "o-berlin"),
                Arguments.of("Observation", "subject:Group=g1", "o-group"),
                Arguments.of("Observation", "patient=p-wiesloch", "o-wiesloch"),
                // one-level chains, the specification's example among them
                Arguments.of("Observation", "subject:Patient.birthdate=1987-02-20", "o-meadow,o-berlin"),
                Arguments.of("Observation", "patient.family=schm", "o-wiesloch"),
                // _id and _lastUpdated
                Arguments.of("Observation", "_id=o-meadow,o-group", "o-meadow,o-group"),
                Arguments.of("Observation", "_lastUpdated=lt2025-07", "o-meadow,o-berlin,o-wiesloch,o-nosystem"),
                Arguments.of("Observation", "_lastUpdated=ge2025-09-01", "o-group"),
                Arguments.of("Observation", "_lastUpdated=2025-06-01", "o-meadow,o-berlin,o-wiesloch,o-nosystem"),
                // AND: two parameters, and one parameter repeated
                Arguments.of("Observation", "code=8867-4&date=ge2024", "o-meadow,o-group"),
                Arguments.of("Observation", "date=ge2024-01-01&date=lt2024-04", "o-meadow,o-berlin"));
    }

    @ParameterizedTest(name = "{0}?{1}")
    @MethodSource("criteria")
    void hardDeletesExactlyWhatTheCriteriaMatch(String type, String queryText, String expectedIds)
            throws InterruptedException {
        List<ResourceKey> all = writeDataSet();
        Map<String, List<String>> query = query(queryText.replace('=', '&').split("&"));
        query.put("_hardDelete", List.of("true"));
        Set<ResourceKey> expected = new TreeSet<>();
        for (String id : expectedIds.isEmpty() ? new String[0] : expectedIds.split(",")) {
            expected.add(ResourceKey.of(type, id));
        }

        BulkDeleteStatus done = run(started(), BulkDeleteRequest.ofType(type, query));

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.mode()).isEqualTo(EraseMode.HARD_DELETE);
        assertThat(done.deletedByType()).isEqualTo(expected.isEmpty() ? Map.of()
                : Map.of(type, (long) expected.size()));
        for (ResourceKey key : all) {
            if (expected.contains(key)) {
                assertThat(fixture().reader().footprint(key).isEmpty()).as("%s erased", key).isTrue();
            } else {
                assertThat(isLive(key)).as("%s untouched", key).isTrue();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ scope

    @Test
    void systemLevelSoftDeletesMixedTypesWithExactCountsPerType() throws InterruptedException {
        List<ResourceKey> all = writeDataSet();

        BulkDeleteStatus done = run(started(), BulkDeleteRequest.system(query("_lastUpdated", "lt2025-07")));

        assertThat(done.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.mode()).isEqualTo(EraseMode.SOFT_DELETE);
        assertThat(done.resourceType()).isNull();
        assertThat(done.deletedByType()).containsExactly(Map.entry("Encounter", 1L), Map.entry("Observation", 4L),
                Map.entry("Patient", 4L));
        for (ResourceKey key : all) {
            boolean late = key.id().equals("o-group");
            assertThat(isLive(key)).as("%s live", key).isEqualTo(late);
        }
    }

    @Test
    void excludedResourceTypesSurvive() throws InterruptedException {
        List<ResourceKey> all = writeDataSet();

        BulkDeleteStatus done = run(started(), BulkDeleteRequest.system(query("excludedResourceTypes",
                "Patient,Encounter", "_hardDelete", "true")));

        assertThat(done.deletedByType()).containsExactly(Map.entry("Observation", 5L));
        assertThat(done.types()).extracting(t -> t.resourceType()).doesNotContain("Patient", "Encounter");
        for (ResourceKey key : all) {
            assertThat(isLive(key)).as("%s live", key).isEqualTo(!key.type().equals("Observation"));
        }
    }

    @Test
    void typeLevelWithoutCriteriaLeavesOtherTypesUntouched() throws InterruptedException {
        List<ResourceKey> all = writeDataSet();

        BulkDeleteStatus done = run(started(), BulkDeleteRequest.ofType("Patient", query("_hardDelete", "true")));

        assertThat(done.deletedByType()).containsExactly(Map.entry("Patient", 4L));
        for (ResourceKey key : all) {
            assertThat(isLive(key)).as("%s live", key).isEqualTo(!key.type().equals("Patient"));
        }
    }

    // ------------------------------------------------------------------------------------------ modes

    /** Writes three versions of two patients (one matches family=mull, one does not). */
    private void writeVersioned() {
        for (int v = 0; v < 3; v++) {
            write(PATIENTS_WRITTEN.plusSeconds(v), new ArrayList<>(),
                    patient("p-meadow", "Müller", "Auf der Wiese", "1987-02-20", AdministrativeGender.FEMALE,
                            "http://hospital.example/mrn", "M1"),
                    patient("p-control", "Schmidt", "Berlin", "1990-01-01", AdministrativeGender.MALE,
                            "http://hospital.example/mrn", "M9"));
        }
    }

    private static final ResourceKey MEADOW = ResourceKey.of("Patient", "p-meadow");
    private static final ResourceKey CONTROL = ResourceKey.of("Patient", "p-control");

    private void assertControlUntouched() {
        assertThat(isLive(CONTROL)).isTrue();
        assertThat(fixture().reader().read(CONTROL).orElseThrow().version()).isEqualTo(3);
        assertThat(fixture().reader().history(CONTROL, 10)).hasSize(3);
    }

    @Test
    void softDeleteLeavesADeletedVersionAndKeepsHistory() throws InterruptedException {
        writeVersioned();

        BulkDeleteStatus done = run(started(), BulkDeleteRequest.ofType("Patient", query("family", "mull")));

        assertThat(done.deletedByType()).containsExactly(Map.entry("Patient", 1L));
        StoredResource current = fixture().reader().read(MEADOW).orElseThrow();
        assertThat(current.deleted()).as("reads as deleted (410)").isTrue();
        assertThat(current.version()).isEqualTo(4);
        assertThat(fixture().reader().history(MEADOW, 10)).hasSize(4);
        assertControlUntouched();
    }

    @Test
    void hardDeleteRemovesTheResourceAndAllItsHistory() throws InterruptedException {
        writeVersioned();

        BulkDeleteStatus done = run(started(), BulkDeleteRequest.ofType("Patient", query("family", "mull",
                "hardDelete", "true")));

        assertThat(done.deletedByType()).containsExactly(Map.entry("Patient", 1L));
        assertThat(fixture().reader().read(MEADOW)).as("reads as unknown (404)").isEmpty();
        assertThat(fixture().reader().history(MEADOW, 10)).isEmpty();
        assertThat(fixture().reader().footprint(MEADOW).isEmpty()).isTrue();
        assertControlUntouched();
    }

    @Test
    void purgeHistoryKeepsTheCurrentVersionOnly() throws InterruptedException {
        writeVersioned();

        BulkDeleteStatus done = run(started(), BulkDeleteRequest.ofType("Patient", query("family", "mull",
                "_purgeHistory", "true")));

        assertThat(done.mode()).isEqualTo(EraseMode.PURGE_HISTORY);
        assertThat(done.deletedByType()).containsExactly(Map.entry("Patient", 1L));
        StoredResource current = fixture().reader().read(MEADOW).orElseThrow();
        assertThat(current.deleted()).isFalse();
        assertThat(current.version()).as("the current version keeps its number").isEqualTo(3);
        assertThat(fixture().reader().history(MEADOW, 10)).extracting(StoredResource::version).containsExactly(3L);
        assertControlUntouched();
    }

    // ------------------------------------------------------------------------------------------ snapshot

    @Test
    void whatIsWrittenAfterTheKickOffSurvives() throws InterruptedException {
        List<ResourceKey> all = writeDataSet();
        PurgeService service = service(fixture().storage(), 3);
        String jobId = service.submitBulkDelete(BulkDeleteRequest.ofType("Observation", query("code", "8867-4",
                "_hardDelete", "true")));
        clock.advance(Duration.ofSeconds(1));
        write(clock.instant(), new ArrayList<>(),
                observation("o-after", "Patient/p-meadow", "http://loinc.org", "8867-4", "2026-06-01"));
        // a matching resource updated after the kick-off is a new version the snapshot does not cover
        write(clock.instant(), new ArrayList<>(),
                observation("o-meadow", "Patient/p-meadow", "http://loinc.org", "8867-4", "2024-03-10T10:00:00Z"));

        service.start();
        BulkDeleteStatus done = service.awaitBulkDelete(jobId, WAIT);

        assertThat(done.deletedByType()).containsExactly(Map.entry("Observation", 3L));
        assertThat(isLive(ResourceKey.of("Observation", "o-after"))).isTrue();
        assertThat(isLive(ResourceKey.of("Observation", "o-meadow"))).isTrue();
        for (ResourceKey key : all) {
            boolean matched = Set.of("o-wiesloch", "o-nosystem", "o-group").contains(key.id());
            assertThat(isLive(key)).as("%s live", key).isEqualTo(!matched);
        }
    }

    // ------------------------------------------------------------------------------------------ cancel

    @Test
    void cancelMidRunStopsAtABatchBoundaryWithTruePartialCounts() throws InterruptedException {
        List<com.fhirpurge.spi.ResourceWrite> writes = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            writes.add(extractor.toWrite(observation(String.format("o-%03d", i), "Patient/p1", "http://loinc.org",
                    "8867-4", "2024-01-01"), OBSERVATIONS_WRITTEN));
        }
        fixture().writer().write(writes);
        writeDataSet();
        AtomicLong erasedSeen = new AtomicLong();
        AtomicBoolean cancelled = new AtomicBoolean();
        PurgeService[] holder = new PurgeService[1];
        String[] job = new String[1];
        PurgeStorage storage = fixture().storage().withListener(e -> {
            erasedSeen.addAndGet(e.resources().size());
            if (cancelled.compareAndSet(false, true)) {
                holder[0].cancelBulkDelete(job[0]);
            }
        });
        holder[0] = service(storage, 5);
        job[0] = holder[0].submitBulkDelete(BulkDeleteRequest.ofType("Observation", query("code",
                "http://loinc.org|8867-4", "_hardDelete", "true")));
        holder[0].start();

        BulkDeleteStatus done = holder[0].awaitBulkDelete(job[0], WAIT);

        assertThat(done.state()).isEqualTo(TaskState.CANCELLED);
        List<ResourceKey> matching = new ArrayList<>(List.of(ResourceKey.of("Observation", "o-meadow"),
                ResourceKey.of("Observation", "o-group")));
        for (int i = 0; i < 60; i++) {
            matching.add(ResourceKey.of("Observation", String.format("o-%03d", i)));
        }
        long gone = matching.stream().filter(k -> !isLive(k)).count();
        assertThat(done.deletedCount()).as("the counts say exactly what was deleted").isEqualTo(gone)
                .isEqualTo(erasedSeen.get()).isBetween(1L, 61L);
        assertThat(isLive(ResourceKey.of("Observation", "o-wiesloch"))).isTrue();
        assertThat(isLive(ResourceKey.of("Observation", "o-nosystem"))).isTrue();
        assertThat(holder[0].cancelBulkDelete(job[0]).state()).as("cancelling again changes nothing")
                .isEqualTo(TaskState.CANCELLED);
    }

    // ------------------------------------------------------------------------------------------ faults

    /** An eraser whose first call of each kind commits and then reports a transient failure. */
    private static ResourceEraser committingThenFailing(ResourceEraser real) {
        Map<String, Boolean> failed = new ConcurrentHashMap<>();
        return new ResourceEraser() {
            private <T> T once(String kind, T result) {
                if (failed.putIfAbsent(kind, true) == null) {
                    throw new StoreException("connection reset after commit", null, true, "08006");
                }
                return result;
            }

            @Override
            public List<ResourceKey> hardDelete(Collection<ResourceKey> batch) {
                return once("hard", real.hardDelete(batch));
            }

            @Override
            public List<ResourceKey> softDelete(Collection<ResourceKey> batch, Instant at) {
                return once("soft", real.softDelete(batch, at));
            }

            @Override
            public List<ResourceKey> purgeHistory(Collection<ResourceKey> batch) {
                return once("purge", real.purgeHistory(batch));
            }
        };
    }

    @Test
    void aBatchCommittedBeforeATransientErrorIsCountedOnce() throws InterruptedException {
        List<ResourceKey> all = writeDataSet();
        PurgeStorage base = fixture().storage();
        PurgeStorage faulty = new PurgeStorage(base.finder(), committingThenFailing(base.eraser()), base.searcher(),
                base.jobs(), base.listeners());
        PurgeService service = service(faulty, 2).start();

        BulkDeleteStatus soft = run(service, BulkDeleteRequest.ofType("Observation", query("code", "8867-4")));
        BulkDeleteStatus hard = run(service, BulkDeleteRequest.ofType("Patient", query("gender", "female",
                "_hardDelete", "true")));

        assertThat(soft.deletedByType()).containsExactly(Map.entry("Observation", 4L));
        assertThat(hard.deletedByType()).containsExactly(Map.entry("Patient", 2L));
        Set<String> gone = Set.of("o-meadow", "o-wiesloch", "o-nosystem", "o-group", "p-meadow", "p-wiesloch");
        for (ResourceKey key : all) {
            assertThat(isLive(key)).as("%s live", key).isEqualTo(!gone.contains(key.id()));
        }
    }

    // ------------------------------------------------------------------------------------------ refusals

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("Observation", "colour=red", "colour"),
                Arguments.of("Observation", "date=2024-13-45", "2024-13-45"),
                Arguments.of("Observation", "code:fuzzy=x", "fuzzy"),
                Arguments.of("Spaceship", "_id=x", "Spaceship"),
                Arguments.of("Observation", "_hardDelete=yes", "_hardDelete"),
                Arguments.of("Observation", "_hardDelete=true&_purgeHistory=true", "_purgeHistory"),
                Arguments.of(null, "family=smith", "family"),
                Arguments.of(null, "excludedResourceTypes=Spaceship", "Spaceship"));
    }

    @ParameterizedTest(name = "{0}?{1}")
    @MethodSource("refused")
    void badInputIsRefusedBeforeAnyJobExistsAndTouchesNothing(String type, String queryText, String named)
            throws InterruptedException {
        List<ResourceKey> all = writeDataSet();
        PurgeService service = started();
        Map<String, List<String>> query = query(queryText.replace('=', '&').split("&"));

        assertThatThrownBy(() -> service.submitBulkDelete(new BulkDeleteRequest(type, query, null)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.issues()).anySatisfy(i -> assertThat(i.diagnostics()).contains(named));
                });
        assertThat(service.listJobs(null, 10)).isEmpty();
        Thread.sleep(50);
        for (ResourceKey key : all) {
            assertThat(isLive(key)).as("%s live", key).isTrue();
        }
    }

    @Test
    void criteriaTheStoreCannotAnswerAreRefusedAtKickOff() {
        PurgeStorage base = fixture().storage();
        com.fhirpurge.spi.ResourceSearcher real = base.searcher();
        com.fhirpurge.spi.ResourceSearcher tokensOnly = new com.fhirpurge.spi.ResourceSearcher() {
            @Override
            public com.fhirpurge.spi.SearchSupport support() {
                return new com.fhirpurge.spi.SearchSupport(Set.of(com.fhirpurge.spi.SearchParamType.TOKEN,
                        com.fhirpurge.spi.SearchParamType.ID), Set.of(), false);
            }

            @Override
            public com.fhirpurge.spi.ResourcePage search(com.fhirpurge.spi.SearchCriteria criteria, Instant notAfter,
                                                         String pageToken, int limit) {
                return real.search(criteria, notAfter, pageToken, limit);
            }

            @Override
            public long count(com.fhirpurge.spi.SearchCriteria criteria, Instant notAfter) {
                return real.count(criteria, notAfter);
            }
        };
        PurgeService service = service(base.withSearcher(tokensOnly), 3);
        PurgeService noSearch = service(base.withSearcher(null), 3);

        assertThatThrownBy(() -> service.submitBulkDelete(BulkDeleteRequest.ofType("Observation",
                query("subject:Patient.birthdate", "1987-02-20", "date", "2024"))))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.issues())
                        .extracting(i -> i.diagnostics()).anySatisfy(d -> assertThat(d).contains("chained"))
                        .anySatisfy(d -> assertThat(d).contains("date")));
        assertThatThrownBy(() -> noSearch.submitBulkDelete(BulkDeleteRequest.ofType("Observation", Map.of())))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("cannot search");
        String accepted = service.submitBulkDelete(BulkDeleteRequest.ofType("Observation", query("code", "x")));
        assertThat(service.listJobs(null, 10)).extracting(j -> j.jobId()).containsExactly(accepted);
    }
}
