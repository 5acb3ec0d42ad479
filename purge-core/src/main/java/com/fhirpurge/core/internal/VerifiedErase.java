package com.fhirpurge.core.internal;

import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceKeys;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Erases a batch of a patient purge and verifies it: afterwards the store must hold no row of any resource of the
 * batch, current, tombstone or history ({@code ResourceFinder.findExisting}). What is left is erased once more (a
 * concurrent write may have re-created a resource in between); what is still left then is residue, and the patient's
 * purge ends in error naming it. The reference index is verified by the purge's final sweep, a pass that must find
 * no member.
 */
final class VerifiedErase {

    private static final Logger LOG = LoggerFactory.getLogger(VerifiedErase.class);
    /** The most residual resources an error reason names. */
    static final int NAMED = 10;

    /**
     * What a verified erase did.
     *
     * @param erased  the resources of the batch erased by this call, each once, in batch order
     * @param residue the resources of which the store still holds rows after two erases
     */
    record Outcome(List<ResourceKey> erased, List<ResourceKey> residue) {
    }

    private VerifiedErase() {
    }

    /**
     * Erases and verifies a batch.
     *
     * @param parts the engine's parts
     * @param jobId for the log
     * @param batch the resources to erase
     * @return what was erased, and the residue
     * @throws InterruptedException when interrupted
     */
    static Outcome run(EngineParts parts, String jobId, List<ResourceKey> batch) throws InterruptedException {
        Set<ResourceKey> erased = new HashSet<>();
        List<ResourceKey> left = eraseAndCheck(parts, jobId, batch, erased);
        if (!left.isEmpty()) {
            LOG.warn("job {}: {} resources still have rows right after their erase, e.g. {}; erasing them again",
                    jobId, left.size(), left.get(0));
            left = eraseAndCheck(parts, jobId, left, erased);
        }
        left.forEach(erased::remove);
        return new Outcome(ResourceKeys.inBatchOrder(batch, erased), left);
    }

    /** The error reason for residue. */
    static String reason(List<ResourceKey> residue) {
        List<String> named = residue.stream().limit(NAMED).map(ResourceKey::toString).toList();
        return "Verification failed: the store still holds rows (current, tombstone or history) of " + residue.size()
                + " erased resource" + (residue.size() == 1 ? "" : "s") + " after a second erase: "
                + String.join(", ", named) + (residue.size() > NAMED ? ", ..." : "");
    }

    /**
     * Erases a batch and reads what the store still holds of it, adding the erased keys to {@code erased}. When the
     * erase took more than one attempt, an earlier attempt may have committed before its error, so what the store no
     * longer holds counts as erased: the same read settles it.
     *
     * @return the keys of the batch the store still holds rows of
     */
    private static List<ResourceKey> eraseAndCheck(EngineParts parts, String jobId, List<ResourceKey> batch,
                                                   Set<ResourceKey> erased) throws InterruptedException {
        AtomicInteger attempts = new AtomicInteger();
        List<ResourceKey> hit = parts.retrier().call(jobId, "hard delete", () -> {
            attempts.incrementAndGet();
            return parts.eraser().hardDelete(batch);
        });
        List<ResourceKey> left = existing(parts, jobId, batch);
        if (attempts.get() == 1) {
            erased.addAll(hit);
        } else {
            erased.addAll(goneOf(batch, left));
        }
        return left;
    }

    /**
     * The keys of a batch the store no longer holds anything of: how an interrupted or retried batch is settled.
     *
     * @param parts the engine's parts
     * @param jobId for the log
     * @param batch the batch
     * @return the keys gone, in batch order
     * @throws InterruptedException when interrupted
     */
    static List<ResourceKey> gone(EngineParts parts, String jobId, List<ResourceKey> batch)
            throws InterruptedException {
        return goneOf(batch, existing(parts, jobId, batch));
    }

    private static List<ResourceKey> goneOf(List<ResourceKey> batch, List<ResourceKey> existing) {
        Set<ResourceKey> held = new HashSet<>(existing);
        return batch.stream().filter(k -> !held.contains(k)).toList();
    }

    private static List<ResourceKey> existing(EngineParts parts, String jobId, List<ResourceKey> batch)
            throws InterruptedException {
        return parts.retrier().call(jobId, "find existing", () -> parts.finder().findExisting(batch));
    }
}
