package com.fhirpurge.core;

import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.TaskState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The purge status of one patient of a job, as the status {@code Parameters} reports it.
 *
 * @param patientId            the patient id
 * @param state                new, processing, completed, error or cancelled
 * @param updatedAt            when this patient's task last changed
 * @param totalResourcesCount  resources in the compartment when the purge of this patient started, {@code null}
 *                             until counted
 * @param purgedResourcesCount resources erased so far (each counted once)
 * @param purgedByType         {@code purgedResourcesCount} per resource type
 * @param errorReason          why the purge of this patient failed, {@code null} unless state is error
 * @param keptSharedCount      members kept because they are shared with other patients (shared-resource policy
 *                             {@code keep}); 0 otherwise
 * @param keptShared           the first of them, at most 100
 */
public record PatientStatus(String patientId, TaskState state, Instant updatedAt, Long totalResourcesCount,
                            long purgedResourcesCount, Map<String, Long> purgedByType, String errorReason,
                            long keptSharedCount, List<ResourceKey> keptShared) {

    /**
     * Validates and copies.
     *
     * @param patientId see {@link #patientId()}
     * @param state see {@link #state()}
     * @param updatedAt see {@link #updatedAt()}
     * @param totalResourcesCount see {@link #totalResourcesCount()}
     * @param purgedResourcesCount see {@link #purgedResourcesCount()}
     * @param purgedByType see {@link #purgedByType()}
     * @param errorReason see {@link #errorReason()}
     * @param keptSharedCount see {@link #keptSharedCount()}
     * @param keptShared see {@link #keptShared()}
     */
    public PatientStatus {
        Objects.requireNonNull(patientId, "patientId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(updatedAt, "updatedAt");
        purgedByType = Map.copyOf(purgedByType);
        keptShared = List.copyOf(keptShared);
    }

    /**
     * A status that keeps nothing.
     *
     * @param patientId            see {@link #patientId()}
     * @param state                see {@link #state()}
     * @param updatedAt            see {@link #updatedAt()}
     * @param totalResourcesCount  see {@link #totalResourcesCount()}
     * @param purgedResourcesCount see {@link #purgedResourcesCount()}
     * @param purgedByType         see {@link #purgedByType()}
     * @param errorReason          see {@link #errorReason()}
     */
    public PatientStatus(String patientId, TaskState state, Instant updatedAt, Long totalResourcesCount,
                         long purgedResourcesCount, Map<String, Long> purgedByType, String errorReason) {
        this(patientId, state, updatedAt, totalResourcesCount, purgedResourcesCount, purgedByType, errorReason, 0,
                List.of());
    }
}
