package com.fhirpurge.benchmarks;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.demo.SyntheticPatients;
import com.fhirpurge.core.fhir.PatientCompartment;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.ResourceWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Synthetic patient records that look like real ones (Encounters, Observations, Conditions, MedicationRequests,
 * Procedures, DiagnosticReports pointing at Observations, Immunizations, AllergyIntolerances, in realistic
 * proportions), generated deterministically from a seed, encoded and indexed with HAPI once, then written as often as
 * a benchmark needs. A share of the resources gets a second version, so history rows are purged too.
 */
final class Workload {

    /** The R4 Patient compartment every purge benchmark erases. */
    static final CompartmentDefinition COMPARTMENT = PatientCompartment.r4Spec(FhirContext.forR4Cached());

    private static final Instant WRITTEN = Instant.parse("2025-01-01T00:00:00Z");
    private static final int CHUNK = 1000;
    private static final Map<String, Workload> CACHE = new ConcurrentHashMap<>();

    private final List<String> patientIds;
    private final List<ResourceWrite> writes;
    private final int resources;

    private Workload(List<String> patientIds, List<ResourceWrite> writes, int resources) {
        this.patientIds = List.copyOf(patientIds);
        this.writes = List.copyOf(writes);
        this.resources = resources;
    }

    /**
     * The workload for these sizes (built once per JVM and reused).
     *
     * @param patients            how many patients
     * @param resourcesPerPatient resources in each compartment, the Patient included
     * @param historyShare        the share of resources written twice (0 to 1)
     * @return the workload
     */
    static Workload of(int patients, int resourcesPerPatient, double historyShare) {
        return of("bp", patients, resourcesPerPatient, historyShare);
    }

    /**
     * Records of patients who stay: the same shapes under other ids ({@code kp…}), for a store in which the purged
     * patients are not all there is.
     *
     * @param patients            how many patients
     * @param resourcesPerPatient resources in each compartment, the Patient included
     * @param historyShare        the share of resources written twice (0 to 1)
     * @return the workload
     */
    static Workload kept(int patients, int resourcesPerPatient, double historyShare) {
        return of("kp", patients, resourcesPerPatient, historyShare);
    }

    private static Workload of(String prefix, int patients, int resourcesPerPatient, double historyShare) {
        return CACHE.computeIfAbsent(prefix + patients + "x" + resourcesPerPatient + "h" + historyShare,
                k -> build(prefix, patients, resourcesPerPatient, historyShare));
    }

    private static Workload build(String prefix, int patients, int resourcesPerPatient, double historyShare) {
        ReferenceExtractor extractor = new ReferenceExtractor(FhirContext.forR4Cached());
        Random random = new Random(20261123L);
        List<String> ids = new ArrayList<>();
        List<ResourceWrite> first = new ArrayList<>();
        List<ResourceWrite> second = new ArrayList<>();
        for (int p = 0; p < patients; p++) {
            String id = String.format("%s%05d", prefix, p);
            ids.add(id);
            Iterator<IBaseResource> record = SyntheticPatients.patientRecordIterator(id, resourcesPerPatient, 7L + p);
            while (record.hasNext()) {
                ResourceWrite w = extractor.toWrite(record.next(), WRITTEN);
                first.add(w);
                if (random.nextDouble() < historyShare) {
                    second.add(new ResourceWrite(w.key(), w.json(), WRITTEN.plusSeconds(60), w.references(),
                            w.searchIndex()));
                }
            }
        }
        List<ResourceWrite> all = new ArrayList<>(first);
        all.addAll(second);
        return new Workload(ids, all, first.size());
    }

    /**
     * The resources outside every compartment that records reference (a Practitioner, an Organization,
     * Medications): the control set no purge may touch.
     *
     * @return their writes
     */
    static List<ResourceWrite> shared() {
        ReferenceExtractor extractor = new ReferenceExtractor(FhirContext.forR4Cached());
        return SyntheticPatients.sharedResources().stream().map(r -> extractor.toWrite(r, WRITTEN)).toList();
    }

    /**
     * Writes every version, in chunks of a thousand.
     *
     * @param writer the store's writer
     */
    void load(ResourceWriter writer) {
        for (int i = 0; i < writes.size(); i += CHUNK) {
            writer.write(writes.subList(i, Math.min(writes.size(), i + CHUNK)));
        }
    }

    /**
     * Counts the resources of a type whose first version satisfies a test, and how many of them have a second.
     *
     * @param type the resource type
     * @param test the test on the first version's write (its search index, references)
     * @return {matching, matching with history}
     */
    long[] count(String type, java.util.function.Predicate<ResourceWrite> test) {
        java.util.Set<com.fhirpurge.spi.ResourceKey> matching = new java.util.HashSet<>();
        long withHistory = 0;
        for (int i = 0; i < writes.size(); i++) {
            ResourceWrite w = writes.get(i);
            if (!w.key().type().equals(type)) {
                continue;
            }
            if (i < resources) {
                if (test.test(w)) {
                    matching.add(w.key());
                }
            } else if (matching.contains(w.key())) {
                withHistory++;
            }
        }
        return new long[] {matching.size(), withHistory};
    }

    /**
     * The patients.
     *
     * @return their ids
     */
    List<String> patientIds() {
        return patientIds;
    }

    /**
     * The resources (not versions) in all compartments together.
     *
     * @return the count
     */
    int resources() {
        return resources;
    }
}
