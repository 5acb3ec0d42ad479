package com.fhirpurge.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One committed batch of erasures.
 *
 * @param jobId     the job
 * @param taskId    the task
 * @param mode      how the resources were erased
 * @param resources the resources the batch actually erased (each once)
 * @param at        when the batch committed
 */
public record ErasureEvent(String jobId, String taskId, EraseMode mode, List<ResourceKey> resources, Instant at) {

    /**
     * Validates and copies.
     *
     * @param jobId see {@link #jobId()}
     * @param taskId see {@link #taskId()}
     * @param mode see {@link #mode()}
     * @param resources see {@link #resources()}
     * @param at see {@link #at()}
     */
    public ErasureEvent {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(at, "at");
        resources = List.copyOf(resources);
    }
}
