package com.fhirpurge.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.core.memory.InMemoryJobRepository;
import com.fhirpurge.core.memory.InMemoryResourceStore;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.StoreException;
import com.fhirpurge.spi.StoredResource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bulk delete endpoints through the framework-neutral binding, on the in-memory store. */
class BulkDeleteHttpBindingTest {

    private static final FhirContext CTX = FhirContext.forR4Cached();
    private static final String BASE = "https://fhir.example.org/fhir";
    private static final Instant WRITTEN = Instant.parse("2025-01-01T00:00:00Z");
    private static final Caller SYSTEM = new Caller("backend", Set.of("system/*.cruds"), null);

    private final InMemoryResourceStore store = new InMemoryResourceStore();
    private final InMemoryJobRepository jobs = new InMemoryJobRepository();
    private final List<PurgeService> services = new ArrayList<>();
    private PurgeService service;
    private PurgeHttpBinding binding;

    @BeforeEach
    void start() {
        ReferenceExtractor extractor = new ReferenceExtractor(CTX);
        List<com.fhirpurge.spi.ResourceWrite> writes = new ArrayList<>();
        for (String[] p : new String[][] {{"p1", "1987-02-20"}, {"p2", "1990-01-01"}}) {
            Patient patient = new Patient();
            patient.setId(p[0]);
            patient.setBirthDateElement(new DateType(p[1]));
            writes.add(extractor.toWrite(patient, WRITTEN));
        }
        for (int i = 0; i < 6; i++) {
            Observation o = new Observation();
            o.setId("o" + i);
            o.setSubject(new Reference("Patient/" + (i < 4 ? "p1" : "p2")));
            o.setCode(new CodeableConcept().addCoding(new org.hl7.fhir.r4.model.Coding("http://loinc.org",
                    i % 2 == 0 ? "8867-4" : "2339-0", null)));
            writes.add(extractor.toWrite(o, WRITTEN));
        }
        store.write(writes);
        service = started(PurgeStorage.of(store, store, jobs));
        binding = new PurgeHttpBinding(service, CTX, HttpBindingConfig.of(BASE));
    }

    private PurgeService started(PurgeStorage storage) {
        PurgeService s = PurgeService.builder(storage).config(PurgeConfig.builder().nodeId("http").batchSize(2)
                .pollInterval(Duration.ofMillis(5)).retry(1, Duration.ofMillis(1), Duration.ofMillis(1)).build())
                .build();
        services.add(s);
        return s.start();
    }

    @AfterEach
    void stop() {
        services.forEach(PurgeService::close);
    }

    private static HttpRequest request(String method, String path, Map<String, List<String>> query, Caller caller,
                                       String... headers) {
        Map<String, List<String>> h = new HashMap<>();
        for (int i = 0; i < headers.length; i += 2) {
            h.put(headers[i], List.of(headers[i + 1]));
        }
        return new HttpRequest(method, path, query, h, "", caller);
    }

    private HttpResponse kickOff(String path, Map<String, List<String>> query, Caller caller) {
        return binding.handle(request("DELETE", path, query, caller, "Prefer", "respond-async",
                "Accept", "application/fhir+json"));
    }

    private static String jobIdOf(HttpResponse accepted) {
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        String location = accepted.headers().get("Content-Location");
        assertThat(location).startsWith(BASE + "/_operations/bulk-delete/");
        return location.substring(location.lastIndexOf('/') + 1);
    }

    private HttpResponse poll(String jobId) {
        return binding.handle(request("GET", "_operations/bulk-delete/" + jobId, Map.of(), SYSTEM));
    }

    private HttpResponse finished(String jobId) throws InterruptedException {
        service.awaitBulkDelete(jobId, Duration.ofSeconds(30));
        return poll(jobId);
    }

    private static OperationOutcome outcome(HttpResponse r) {
        assertThat(r.headers()).containsEntry("Content-Type", "application/fhir+json");
        return CTX.newJsonParser().parseResource(OperationOutcome.class, r.body());
    }

    private boolean isLive(String type, String id) {
        return store.read(ResourceKey.of(type, id)).map(r -> !r.deleted()).orElse(false);
    }

    @Test
    void aTypeLevelDeleteCompletesWithTheSpecificationsCounts() throws InterruptedException {
        String jobId = jobIdOf(kickOff("Observation/$bulk-delete", Map.of("code", List.of("8867-4")), SYSTEM));

        HttpResponse done = finished(jobId);

        assertThat(done.status()).isEqualTo(200);
        assertThat(done.headers()).doesNotContainKey("X-Progress");
        assertThat(done.body()).isEqualTo("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":"
                + "\"ResourceDeletedCount\",\"part\":[{\"name\":\"Observation\",\"valueDecimal\":3.0}]}]}");
        Parameters parsed = CTX.newJsonParser().parseResource(Parameters.class, done.body());
        assertThat(parsed.getParameterFirstRep().getPartFirstRep().getValue().primitiveValue()).isEqualTo("3.0");
        for (int i = 0; i < 6; i++) {
            assertThat(isLive("Observation", "o" + i)).as("o%d", i).isEqualTo(i % 2 == 1);
        }
        assertThat(isLive("Patient", "p1")).isTrue();
    }

    @Test
    void theSystemLevelSpellingOfTheSpecificationHardDeletesEveryTypeInScope() throws InterruptedException {
        String jobId = jobIdOf(kickOff("$bulkDelete", Map.of("_hardDelete", List.of("true"),
                "excludedResourceTypes", List.of("Patient")), SYSTEM));

        HttpResponse done = finished(jobId);

        assertThat(done.status()).isEqualTo(200);
        assertThat(done.body()).contains("{\"name\":\"Observation\",\"valueDecimal\":6.0}").doesNotContain("Patient");
        assertThat(store.read(ResourceKey.of("Observation", "o0"))).isEmpty();
        assertThat(isLive("Patient", "p1")).isTrue();
        assertThat(isLive("Patient", "p2")).isTrue();
    }

    @Test
    void theSpecificationsChainedExampleWorksAsWritten() throws InterruptedException {
        String jobId = jobIdOf(kickOff("Observation/$bulk-delete",
                Map.of("subject:Patient.birthdate", List.of("1987-02-20")), SYSTEM));

        assertThat(finished(jobId).body()).contains("\"valueDecimal\":4.0");
        for (int i = 0; i < 6; i++) {
            assertThat(isLive("Observation", "o" + i)).as("o%d", i).isEqualTo(i >= 4);
        }
    }

    @Test
    void aRunningJobAnswers202WithProgressAndACancelledOne200WithAnIssue() {
        PurgeService idle = PurgeService.builder(PurgeStorage.of(store, store, new InMemoryJobRepository())).build();
        services.add(idle);
        PurgeHttpBinding submitOnly = new PurgeHttpBinding(idle, CTX, HttpBindingConfig.of(BASE));
        String jobId = jobIdOf(submitOnly.handle(request("DELETE", "Observation/$bulk-delete", Map.of(), SYSTEM,
                "Prefer", "respond-async")));

        HttpResponse running = submitOnly.handle(request("GET", "_operations/bulk-delete/" + jobId, Map.of(),
                SYSTEM));
        assertThat(running.status()).isEqualTo(202);
        assertThat(running.headers().get("X-Progress")).isEqualTo("0 of 1 resource types done, 0 resources deleted");
        assertThat(running.body()).isEqualTo("{\"resourceType\":\"Parameters\"}");

        HttpResponse cancel = submitOnly.handle(request("DELETE", "_operations/bulk-delete/" + jobId, Map.of(),
                SYSTEM));
        assertThat(cancel.status()).isEqualTo(202);
        HttpResponse cancelled = submitOnly.handle(request("GET", "_operations/bulk-delete/" + jobId, Map.of(),
                SYSTEM));
        assertThat(cancelled.status()).isEqualTo(200);
        Parameters body = CTX.newJsonParser().parseResource(Parameters.class, cancelled.body());
        assertThat(((OperationOutcome) body.getParameter("Issues").getResource()).getIssueFirstRep()
                .getDiagnostics()).contains("cancelled");
        HttpResponse again = submitOnly.handle(request("DELETE", "_operations/bulk-delete/" + jobId, Map.of(),
                SYSTEM));
        assertThat(again.status()).isEqualTo(409);
        assertThat(outcome(again).getIssueFirstRep().getCode().toCode()).isEqualTo("conflict");
        for (int i = 0; i < 6; i++) {
            assertThat(isLive("Observation", "o" + i)).isTrue();
        }
    }

    @Test
    void aFailedJobAnswers500NamingTheTypeAndTheCountsSoFar() throws InterruptedException {
        ResourceEraser failing = new ResourceEraser() {
            private int calls;

            @Override
            public synchronized List<ResourceKey> hardDelete(Collection<ResourceKey> batch) {
                if (++calls > 1) {
                    throw new StoreException("disk full", null, false, "53100");
                }
                return store.hardDelete(batch);
            }

            @Override
            public List<ResourceKey> softDelete(Collection<ResourceKey> batch, Instant at) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<ResourceKey> purgeHistory(Collection<ResourceKey> batch) {
                throw new UnsupportedOperationException();
            }
        };
        // a job repository of its own, so the healthy service's workers cannot take the task
        PurgeService faulty = started(PurgeStorage.of(store, failing, new InMemoryJobRepository())
                .withSearcher(store));
        PurgeHttpBinding faultyBinding = new PurgeHttpBinding(faulty, CTX, HttpBindingConfig.of(BASE));
        String jobId = jobIdOf(faultyBinding.handle(request("DELETE", "Observation/$bulk-delete",
                Map.of("_hardDelete", List.of("true")), SYSTEM, "Prefer", "respond-async")));
        faulty.awaitBulkDelete(jobId, Duration.ofSeconds(30));

        HttpResponse failed = faultyBinding.handle(request("GET", "_operations/bulk-delete/" + jobId, Map.of(),
                SYSTEM));

        assertThat(failed.status()).isEqualTo(500);
        OperationOutcome oo = outcome(failed);
        assertThat(oo.getIssue().get(0).getDiagnostics()).contains("Observation").contains("disk full");
        assertThat(oo.getIssue().get(1).getDiagnostics()).isEqualTo("Deleted before the failure: Observation 2");
        assertThat(store.read(ResourceKey.of("Observation", "o0"))).isEmpty();
        assertThat(store.read(ResourceKey.of("Observation", "o2")).map(StoredResource::deleted)).contains(false);
    }

    @ParameterizedTest(name = "{0} {1}?{2}")
    @CsvSource(delimiter = ';', value = {
        "DELETE;Observation/$bulk-delete;colour=red;400;colour",
        "DELETE;Observation/$bulk-delete;date=2024-13-45;400;2024-13-45",
        "DELETE;Observation/$bulk-delete;code:fuzzy=x;400;fuzzy",
        "DELETE;Spaceship/$bulk-delete;;400;Spaceship",
        "DELETE;$bulk-delete;code=x;400;code",
        "GET;Observation/$bulk-delete;;405;DELETE",
    })
    void badRequestsAreRefusedBeforeAnyJobExists(String method, String path, String query, int status,
                                                String named) {
        Map<String, List<String>> q = new HashMap<>();
        if (query != null) {
            String[] nv = query.split("=", 2);
            q.put(nv[0], List.of(nv[1]));
        }

        HttpResponse r = binding.handle(request(method, path, q, SYSTEM, "Prefer", "respond-async"));

        assertThat(r.status()).isEqualTo(status);
        assertThat(outcome(r).getIssueFirstRep().getDiagnostics()).contains(named);
        assertThat(service.listJobs(null, 10)).isEmpty();
    }

    @Test
    void withoutPreferRespondAsyncOrWithAnAcceptRulingOutJsonNothingStarts() {
        HttpResponse noPrefer = binding.handle(request("DELETE", "Observation/$bulk-delete", Map.of(), SYSTEM));
        HttpResponse xml = binding.handle(request("DELETE", "Observation/$bulk-delete", Map.of(), SYSTEM,
                "Prefer", "respond-async", "Accept", "application/fhir+xml"));

        assertThat(noPrefer.status()).isEqualTo(400);
        assertThat(outcome(noPrefer).getIssueFirstRep().getDiagnostics()).contains("respond-async");
        assertThat(xml.status()).isEqualTo(406);
        assertThat(service.listJobs(null, 10)).isEmpty();
    }

    @Test
    void unknownJobsAndJobsOfTheOtherKindAre404() {
        String bulkJob = jobIdOf(kickOff("Observation/$bulk-delete", Map.of("_id", List.of("o0")), SYSTEM));
        String purgeJob = service.submitPatientPurge("p1", null);

        assertThat(poll("no-such-job").status()).isEqualTo(404);
        assertThat(binding.handle(request("DELETE", "_operations/bulk-delete/no-such-job", Map.of(), SYSTEM))
                .status()).isEqualTo(404);
        assertThat(poll(purgeJob).status()).isEqualTo(404);
        Caller purger = new Caller("backend", Set.of("system/kodjin/$patient-purge"), null);
        assertThat(binding.handle(request("GET", "Patient-bulk-purge/" + bulkJob, Map.of(), purger)).status())
                .isEqualTo(404);
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({
        "system/*.ds, $bulk-delete, 202",
        "system/*.*, $bulk-delete, 202",
        "user/*.cruds, $bulk-delete, 202",
        "system/Observation.ds, Observation/$bulk-delete, 202",
        "system/Observation.ds, $bulk-delete, 403",
        "system/Patient.ds, Observation/$bulk-delete, 403",
        "system/*.d, Observation/$bulk-delete, 403",
        "system/*.rs, Observation/$bulk-delete, 403",
        "system/*.write, Observation/$bulk-delete, 403",
        "patient/*.cruds, Observation/$bulk-delete, 403",
        "system/kodjin/$patient-purge, Observation/$bulk-delete, 403",
    })
    void scopesMustGrantDeleteAndSearchOnTheType(String scope, String path, int status) {
        HttpResponse r = kickOff(path, Map.of("_id", List.of("nothing")), new Caller("c", Set.of(scope), "p1"));

        assertThat(r.status()).isEqualTo(status);
        if (status == 403) {
            assertThat(r.headers().get("WWW-Authenticate")).contains("insufficient_scope");
            assertThat(service.listJobs(null, 10)).isEmpty();
        }
    }

    @Test
    void aConfiguredBulkDeleteScopeIsRequiredBesidesTheTypeRights() {
        PurgeHttpBinding strict = new PurgeHttpBinding(service, CTX,
                HttpBindingConfig.of(BASE).withBulkDeleteScope("system/$bulk-delete"));
        Caller rightsOnly = new Caller("c", Set.of("system/*.ds"), null);
        Caller both = new Caller("c", Set.of("system/*.ds", "system/$bulk-delete"), null);
        Caller scopeOnly = new Caller("c", Set.of("system/$bulk-delete"), null);

        assertThat(strict.handle(request("DELETE", "Observation/$bulk-delete", Map.of("_id", List.of("x")),
                rightsOnly, "Prefer", "respond-async")).status()).isEqualTo(403);
        assertThat(strict.handle(request("DELETE", "Observation/$bulk-delete", Map.of("_id", List.of("x")),
                scopeOnly, "Prefer", "respond-async")).status()).isEqualTo(403);
        assertThat(strict.handle(request("DELETE", "Observation/$bulk-delete", Map.of("_id", List.of("x")),
                both, "Prefer", "respond-async")).status()).isEqualTo(202);
    }

    @Test
    void withoutCredentialsTheAnswerIs401() {
        HttpResponse r = kickOff("Observation/$bulk-delete", Map.of(), null);

        assertThat(r.status()).isEqualTo(401);
        assertThat(poll("x").status()).isEqualTo(404);
        assertThat(binding.handle(request("GET", "_operations/bulk-delete/x", Map.of(), null)).status())
                .isEqualTo(401);
    }

    @Test
    void pollingFasterThanTheConfiguredIntervalIs429WithRetryAfter() {
        PurgeHttpBinding limited = new PurgeHttpBinding(service, CTX,
                HttpBindingConfig.of(BASE).withMinPollInterval(Duration.ofHours(1)));
        String bulkJob = jobIdOf(kickOff("Observation/$bulk-delete", Map.of("_id", List.of("o0")), SYSTEM));
        String purgeJob = service.submitPatientPurge("p2", null);
        Caller both = new Caller("c", Set.of("system/*.ds", "system/kodjin/$patient-purge"), null);

        HttpResponse first = limited.handle(request("GET", "_operations/bulk-delete/" + bulkJob, Map.of(), both));
        HttpResponse second = limited.handle(request("GET", "_operations/bulk-delete/" + bulkJob, Map.of(), both));
        HttpResponse purgeFirst = limited.handle(request("GET", "Patient-bulk-purge/" + purgeJob, Map.of(), both));
        HttpResponse purgeSecond = limited.handle(request("GET", "Patient-bulk-purge/" + purgeJob, Map.of(), both));

        assertThat(first.status()).isIn(200, 202);
        assertThat(second.status()).isEqualTo(429);
        assertThat(second.headers()).containsEntry("Retry-After", "5");
        assertThat(outcome(second).getIssueFirstRep().getCode().toCode()).isEqualTo("throttled");
        assertThat(purgeFirst.status()).isEqualTo(200);
        assertThat(purgeSecond.status()).isEqualTo(429);
    }
}
