package com.fhirpurge.core;

import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceKey;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a patient purge would erase, found without erasing anything ({@link PurgeService#dryRun}).
 *
 * @param patients one entry per requested patient, in request order
 */
public record DryRunReport(List<Patient> patients) {

    /** The most shared resources and outside references a patient's entry lists; the counts are complete. */
    public static final int LISTED = 100;

    /**
     * Copies.
     *
     * @param patients see {@link #patients()}
     */
    public DryRunReport {
        patients = List.copyOf(patients);
    }

    /**
     * One patient's dry run.
     *
     * @param patientId              the patient
     * @param wouldEraseByType       the members of the compartment per resource type: what a purge would erase now
     * @param sharedCount            how many of them are also in another patient's compartment
     * @param shared                 the first {@link #LISTED} of those, with the other patients
     * @param outsideReferenceCount  how many references point into the compartment from resources outside it
     * @param outsideReferences      the first {@link #LISTED} of those (source, parameter, target)
     */
    public record Patient(String patientId, Map<String, Long> wouldEraseByType, long sharedCount, List<Shared> shared,
                          long outsideReferenceCount, List<IndexedReference> outsideReferences) {

        /**
         * Validates and copies.
         *
         * @param patientId             see {@link #patientId()}
         * @param wouldEraseByType      see {@link #wouldEraseByType()}
         * @param sharedCount           see {@link #sharedCount()}
         * @param shared                see {@link #shared()}
         * @param outsideReferenceCount see {@link #outsideReferenceCount()}
         * @param outsideReferences     see {@link #outsideReferences()}
         */
        public Patient {
            Objects.requireNonNull(patientId, "patientId");
            wouldEraseByType = Collections.unmodifiableMap(new TreeMap<>(wouldEraseByType));
            shared = List.copyOf(shared);
            outsideReferences = List.copyOf(outsideReferences);
        }

        /**
         * The members of all types together.
         *
         * @return the sum of {@link #wouldEraseByType()}
         */
        public long wouldEraseCount() {
            return wouldEraseByType.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * A member of the compartment that is also in other patients' compartments: another patient's {@code Patient}
     * that links to this one, an {@code Observation} of another patient performed by this one, a {@code Group}.
     *
     * @param resource        the resource
     * @param otherPatientIds the other patients whose compartments hold it
     */
    public record Shared(ResourceKey resource, List<String> otherPatientIds) {

        /**
         * Validates and copies.
         *
         * @param resource        see {@link #resource()}
         * @param otherPatientIds see {@link #otherPatientIds()}
         */
        public Shared {
            Objects.requireNonNull(resource, "resource");
            otherPatientIds = List.copyOf(otherPatientIds);
        }
    }
}
