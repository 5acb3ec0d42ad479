package com.fhirpurge.core;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.core.fhir.StatusRenderer;
import com.fhirpurge.core.memory.InMemoryJobRepository;
import com.fhirpurge.core.memory.InMemoryResourceStore;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** The README's quickstart, verbatim, so it cannot rot. */
class ReadmeQuickstartTest {

    @Test
    void theQuickstartPurgesThePatient() throws Exception {
        FhirContext ctx = FhirContext.forR4Cached();
        InMemoryResourceStore store = new InMemoryResourceStore();
        ReferenceExtractor extractor = new ReferenceExtractor(ctx);

        Patient patient = new Patient();
        patient.setId("p1");
        Observation obs = new Observation();
        obs.setId("o1");
        obs.setSubject(new Reference("Patient/p1"));
        store.write(List.of(extractor.toWrite(patient, Instant.now()), extractor.toWrite(obs, Instant.now())));

        PurgeStorage storage = PurgeStorage.of(store, store, new InMemoryJobRepository());
        PurgeJobStatus status;
        String json;
        try (PurgeService purge = PurgeService.builder(storage)
                .config(PurgeConfig.builder().batchSize(500).workers(2).build())
                .build()
                .start()) {
            String jobId = purge.submitPatientPurge(new PurgeRequest(List.of("p1"), "system/my-client"));

            status = purge.awaitTermination(jobId, Duration.ofMinutes(1));
            json = new StatusRenderer(ctx).render(status.patients());
        }

        assertThat(status.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(status.purgedResourcesCount()).isEqualTo(2);
        assertThat(store.read(ResourceKey.of("Observation", "o1"))).isEmpty();
        assertThat(json).contains("\"valueCode\":\"completed\"").contains("\"valueInteger\":2");
    }
}
