package com.fhirpurge.core.http;

import static com.fhirpurge.spi.contract.TestResources.PATIENT_COMPARTMENT;
import static com.fhirpurge.spi.contract.TestResources.aPatient;
import static com.fhirpurge.spi.contract.TestResources.anObservationOf;
import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.core.memory.InMemoryJobRepository;
import com.fhirpurge.core.memory.InMemoryResourceStore;
import com.fhirpurge.spi.CompartmentScope;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The purge endpoints through the framework-neutral binding, on the in-memory store. */
class PurgeHttpBindingTest {

    private static final FhirContext CTX = FhirContext.forR4Cached();
    private static final String BASE = "https://fhir.example.org/fhir";
    private static final String KICK_OFF = """
            {"resourceType":"Parameters","parameter":[
              {"name":"patientId","valueString":"p1"},{"name":"patientId","valueString":"p2"}]}""";
    private static final Caller SYSTEM = new Caller("backend", Set.of("system/kodjin/$patient-purge"), null);

    private final InMemoryResourceStore store = new InMemoryResourceStore();
    private final InMemoryJobRepository jobs = new InMemoryJobRepository();
    private PurgeService service;
    private PurgeHttpBinding binding;

    @BeforeEach
    void start() {
        store.write(List.of(aPatient("p1").build(), anObservationOf("o1", "p1").build(),
                aPatient("p2").build(), anObservationOf("o2", "p2").build(), aPatient("p3").build()));
        service = PurgeService.builder(PurgeStorage.of(store, store, jobs))
                .config(PurgeConfig.builder().nodeId("http").pollInterval(Duration.ofMillis(5))
                        .compartment(PATIENT_COMPARTMENT).build())
                .build().start();
        binding = new PurgeHttpBinding(service, CTX, HttpBindingConfig.of(BASE + "/"));
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private static HttpRequest request(String method, String path, String body, Caller caller, String... headers) {
        Map<String, List<String>> h = new java.util.HashMap<>();
        for (int i = 0; i < headers.length; i += 2) {
            h.put(headers[i], List.of(headers[i + 1]));
        }
        return new HttpRequest(method, path, Map.of(), h, body, caller);
    }

    private HttpResponse kickOff(String body, Caller caller) {
        return binding.handle(request("POST", "Patient/$bulk-purge", body, caller, "Prefer", "respond-async",
                "Content-Type", "application/fhir+json"));
    }

    private static OperationOutcome.OperationOutcomeIssueComponent issue(HttpResponse r) {
        assertThat(r.headers()).containsEntry("Content-Type", "application/fhir+json");
        return CTX.newJsonParser().parseResource(OperationOutcome.class, r.body()).getIssueFirstRep();
    }

    private String jobIdOf(HttpResponse accepted) {
        String location = accepted.headers().get("Content-Location");
        assertThat(location).startsWith(BASE + "/Patient-bulk-purge/");
        return location.substring(location.lastIndexOf('/') + 1);
    }

    private Parameters pollUntilDone(String jobId, Caller caller) throws InterruptedException {
        service.awaitTermination(jobId, Duration.ofSeconds(30));
        HttpResponse r = binding.handle(request("GET", "Patient-bulk-purge/" + jobId, "", caller));
        assertThat(r.status()).isEqualTo(200);
        return CTX.newJsonParser().parseResource(Parameters.class, r.body());
    }

    private static String part(ParametersParameterComponent result, String name) {
        return result.getPart().stream().filter(p -> p.getName().equals(name)).findFirst().orElseThrow()
                .getValue().primitiveValue();
    }

    @Test
    void theSpecificationsKickOffIsAcceptedAndItsStatusReportsEachPatient() throws Exception {
        HttpResponse accepted = kickOff(KICK_OFF, SYSTEM);

        assertThat(accepted.status()).isEqualTo(202);
        Parameters status = pollUntilDone(jobIdOf(accepted), SYSTEM);
        assertThat(status.getParameter()).hasSize(2).allSatisfy(result -> {
            assertThat(result.getName()).isEqualTo("result");
            assertThat(part(result, "status")).isEqualTo("completed");
            assertThat(part(result, "totalResourcesCount")).isEqualTo("2");
            assertThat(part(result, "purgedResourcesCount")).isEqualTo("2");
        });
        assertThat(part(status.getParameter().get(0), "patientId")).isEqualTo("p1");
        assertThat(store.countMembers(new CompartmentScope(PATIENT_COMPARTMENT, "p1"))).isZero();
        assertThat(store.countMembers(new CompartmentScope(PATIENT_COMPARTMENT, "p3"))).isEqualTo(1);
        assertThat(service.findJob(jobIdOf(accepted)).orElseThrow().requestedBy()).isEqualTo("backend");
    }

    @Test
    void aSinglePatientPurgeAnswersWithTheSameKindOfStatusUrl() throws Exception {
        HttpResponse accepted = binding.handle(request("POST", "/Patient/p2/$purge", "", SYSTEM,
                "prefer", "respond-async"));

        assertThat(accepted.status()).isEqualTo(202);
        Parameters status = pollUntilDone(jobIdOf(accepted), SYSTEM);
        assertThat(part(status.getParameterFirstRep(), "patientId")).isEqualTo("p2");
        assertThat(part(status.getParameterFirstRep(), "status")).isEqualTo("completed");
    }

    @Test
    void badRequestsAreRefusedWithAnOperationOutcomeAndCreateNoJob() {
        HttpResponse noPrefer = binding.handle(request("POST", "Patient/$bulk-purge", KICK_OFF, SYSTEM));
        HttpResponse badBody = kickOff("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patientId\","
                + "\"valueString\":\"a_b\"}]}", SYSTEM);
        HttpResponse badId = binding.handle(request("POST", "Patient/a_b/$purge", "", SYSTEM, "Prefer",
                "respond-async"));
        HttpResponse notJson = kickOff("<Parameters/>", SYSTEM);
        HttpResponse xml = binding.handle(request("POST", "Patient/$bulk-purge", "<Parameters/>", SYSTEM, "Prefer",
                "respond-async", "Content-Type", "application/fhir+xml"));
        HttpResponse huge = kickOff("x".repeat((1 << 20) + 1), SYSTEM);

        assertThat(noPrefer.status()).isEqualTo(400);
        assertThat(issue(noPrefer).getDiagnostics()).contains("respond-async");
        assertThat(badBody.status()).isEqualTo(400);
        assertThat(issue(badBody).getCode().toCode()).isEqualTo("value");
        assertThat(issue(badBody).getDiagnostics()).contains("a_b");
        assertThat(badId.status()).isEqualTo(400);
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(issue(notJson).getCode().toCode()).isEqualTo("structure");
        assertThat(xml.status()).isEqualTo(415);
        assertThat(huge.status()).isEqualTo(413);
        assertThat(issue(huge).getCode().toCode()).isEqualTo("too-long");
        assertThat(service.listJobs(null, 10)).isEmpty();
    }

    @Test
    void wrongMethodsUnknownPathsAndUnknownJobsAreRefused() {
        HttpResponse get = binding.handle(request("GET", "Patient/$bulk-purge", "", SYSTEM));
        HttpResponse put = binding.handle(request("PUT", "Patient-bulk-purge/x", "", SYSTEM));
        HttpResponse unknownJob = binding.handle(request("GET", "Patient-bulk-purge/nope", "", SYSTEM));
        HttpResponse unknownPath = binding.handle(request("POST", "Patient/$explode", "", SYSTEM));

        assertThat(get.status()).isEqualTo(405);
        assertThat(get.headers()).containsEntry("Allow", "POST");
        assertThat(put.status()).isEqualTo(405);
        assertThat(put.headers()).containsEntry("Allow", "GET, DELETE");
        assertThat(unknownJob.status()).isEqualTo(404);
        assertThat(issue(unknownJob).getCode().toCode()).isEqualTo("not-found");
        assertThat(unknownPath.status()).isEqualTo(404);
        assertThat(binding.serves("Patient/$bulk-purge")).isTrue();
        assertThat(binding.serves("Patient/p1")).isFalse();
    }

    @Test
    void callersNeedCredentialsAndAPurgeScope() {
        HttpResponse anonymous = kickOff(KICK_OFF, null);
        HttpResponse readOnly = kickOff(KICK_OFF, new Caller("app", Set.of("system/*.rs"), null));

        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.headers().get("WWW-Authenticate")).startsWith("Bearer");
        assertThat(issue(anonymous).getCode().toCode()).isEqualTo("login");
        assertThat(readOnly.status()).isEqualTo(403);
        assertThat(readOnly.headers().get("WWW-Authenticate")).contains("error=\"insufficient_scope\"")
                .contains("system/kodjin/$patient-purge");
        assertThat(issue(readOnly).getCode().toCode()).isEqualTo("forbidden");
        assertThat(service.listJobs(null, 10)).isEmpty();
    }

    @Test
    void aPatientScopeReachesOnlyItsOwnPatient() throws Exception {
        Caller patient1 = new Caller("portal", Set.of("patient/kodjin/$patient-purge"), "p1");

        HttpResponse other = binding.handle(request("POST", "Patient/p2/$purge", "", patient1, "Prefer",
                "respond-async"));
        HttpResponse both = kickOff(KICK_OFF, patient1);
        HttpResponse own = binding.handle(request("POST", "Patient/p1/$purge", "", patient1, "Prefer",
                "respond-async"));
        String othersJob = jobIdOf(kickOff(KICK_OFF, SYSTEM));

        assertThat(other.status()).isEqualTo(403);
        assertThat(both.status()).isEqualTo(403);
        assertThat(own.status()).isEqualTo(202);
        assertThat(pollUntilDone(jobIdOf(own), patient1).getParameter()).hasSize(1);
        assertThat(binding.handle(request("GET", "Patient-bulk-purge/" + othersJob, "", patient1)).status())
                .isEqualTo(404);
        assertThat(service.listJobs(null, 10)).as("the refused requests created no job").hasSize(2);
    }

    @Test
    void cancelAnswers202WhileRunningAnd409OnceFinished() throws Exception {
        PurgeService idle = PurgeService.builder(PurgeStorage.of(store, store, jobs))
                .config(PurgeConfig.builder().nodeId("idle").compartment(PATIENT_COMPARTMENT).build()).build();
        PurgeHttpBinding submitOnly = new PurgeHttpBinding(idle, CTX, HttpBindingConfig.of(BASE));
        service.close();
        String jobId = jobIdOf(submitOnly.handle(request("POST", "Patient/$bulk-purge", KICK_OFF, SYSTEM, "Prefer",
                "respond-async")));

        HttpResponse cancelled = submitOnly.handle(request("DELETE", "Patient-bulk-purge/" + jobId, "", SYSTEM));
        HttpResponse again = submitOnly.handle(request("DELETE", "Patient-bulk-purge/" + jobId, "", SYSTEM));
        HttpResponse status = submitOnly.handle(request("GET", "Patient-bulk-purge/" + jobId, "", SYSTEM));

        assertThat(cancelled.status()).isEqualTo(202);
        assertThat(again.status()).isEqualTo(409);
        assertThat(issue(again).getCode().toCode()).isEqualTo("conflict");
        Parameters p = CTX.newJsonParser().parseResource(Parameters.class, status.body());
        assertThat(p.getParameter()).allSatisfy(r -> assertThat(part(r, "status")).isEqualTo("cancelled"));
        assertThat(store.read(com.fhirpurge.spi.ResourceKey.of("Observation", "o1"))).isPresent();
    }

    @Test
    void kickOffsBeyondTheActiveJobLimitGet429WithRetryAfter() {
        PurgeService idle = PurgeService.builder(PurgeStorage.of(store, store, jobs))
                .config(PurgeConfig.builder().nodeId("idle").compartment(PATIENT_COMPARTMENT).build()).build();
        service.close();
        PurgeHttpBinding limited = new PurgeHttpBinding(idle, CTX, HttpBindingConfig.of(BASE).withMaxActiveJobs(1));

        HttpResponse first = limited.handle(request("POST", "Patient/p1/$purge", "", SYSTEM, "Prefer", "respond-async"));
        HttpResponse second = limited.handle(request("POST", "Patient/p2/$purge", "", SYSTEM, "Prefer",
                "respond-async"));

        assertThat(first.status()).isEqualTo(202);
        assertThat(second.status()).isEqualTo(429);
        assertThat(second.headers()).containsEntry("Retry-After", "5");
        assertThat(issue(second).getCode().toCode()).isEqualTo("throttled");
        assertThat(idle.listJobs(null, 10)).hasSize(1);
        idle.cancel(jobIdOf(first));
        assertThat(limited.handle(request("POST", "Patient/p2/$purge", "", SYSTEM, "Prefer", "respond-async"))
                .status()).isEqualTo(202);
    }
}
