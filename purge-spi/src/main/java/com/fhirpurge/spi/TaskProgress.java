package com.fhirpurge.spi;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A task's checkpointed progress: everything a worker needs to resume after a crash.
 *
 * <p>The engine writes the batch it is about to erase as {@code pending} <em>before</em> erasing it. A worker that
 * resumes a task with pending keys erases them again (idempotent) and counts those of them that are gone as erased,
 * so a batch committed just before a crash is neither lost from the counts nor counted twice.
 *
 * @param totalCount   resources in scope when the task started, {@code null} until counted
 * @param erasedByType resources erased so far, per resource type (each resource counted once)
 * @param cursor       the finder's page token to resume from, {@code null} for the start of a pass
 * @param pass         the sweep number, 1 for the first pass
 * @param pending      the batch being erased, empty when none
 * @param erasedDigest the {@link ErasureDigest} of the resources counted in {@code erasedByType}, {@code null} while
 *                     none is counted
 * @param keptCount    members deliberately not erased (a patient purge that keeps resources shared with other
 *                     patients), as found by the final pass; 0 otherwise
 * @param kept         the first of them, at most {@link #KEPT_LISTED}
 */
public record TaskProgress(Long totalCount, Map<String, Long> erasedByType, String cursor, int pass,
                           List<ResourceKey> pending, String erasedDigest, long keptCount, List<ResourceKey> kept) {

    /** The most kept resources a progress lists; {@link #keptCount()} counts them all. */
    public static final int KEPT_LISTED = 100;

    /** The progress of a task nobody has started. */
    public static final TaskProgress INITIAL = new TaskProgress(null, Map.of(), null, 1, List.of());

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException on negative counts or a pass below 1
     *
     * @param totalCount see {@link #totalCount()}
     * @param erasedByType see {@link #erasedByType()}
     * @param cursor see {@link #cursor()}
     * @param pass see {@link #pass()}
     * @param pending see {@link #pending()}
     * @param erasedDigest see {@link #erasedDigest()}
     * @param keptCount see {@link #keptCount()}
     * @param kept see {@link #kept()}
     */
    public TaskProgress {
        Objects.requireNonNull(erasedByType, "erasedByType");
        if (totalCount != null && totalCount < 0) {
            throw new IllegalArgumentException("Negative total count");
        }
        if (pass < 1) {
            throw new IllegalArgumentException("Pass must be at least 1");
        }
        TreeMap<String, Long> counts = new TreeMap<>();
        erasedByType.forEach((type, n) -> {
            if (n < 0) {
                throw new IllegalArgumentException("Negative count for " + type);
            }
            counts.put(type, n);
        });
        erasedByType = Collections.unmodifiableMap(counts);
        pending = List.copyOf(pending);
        if (erasedDigest != null && !ErasureDigest.isDigest(erasedDigest)) {
            throw new IllegalArgumentException("Not an erasure digest: '" + erasedDigest + "'");
        }
        kept = List.copyOf(kept);
        if (kept.size() > KEPT_LISTED || keptCount < kept.size()) {
            throw new IllegalArgumentException("Kept list of " + kept.size() + " for a count of " + keptCount);
        }
    }

    /**
     * A progress that keeps nothing.
     *
     * @param totalCount   see {@link #totalCount()}
     * @param erasedByType see {@link #erasedByType()}
     * @param cursor       see {@link #cursor()}
     * @param pass         see {@link #pass()}
     * @param pending      see {@link #pending()}
     * @param erasedDigest see {@link #erasedDigest()}
     */
    public TaskProgress(Long totalCount, Map<String, Long> erasedByType, String cursor, int pass,
                        List<ResourceKey> pending, String erasedDigest) {
        this(totalCount, erasedByType, cursor, pass, pending, erasedDigest, 0, List.of());
    }

    /**
     * A progress without digest: for tasks that erase nothing yet, and tests.
     *
     * @param totalCount   see {@link #totalCount()}
     * @param erasedByType see {@link #erasedByType()}
     * @param cursor       see {@link #cursor()}
     * @param pass         see {@link #pass()}
     * @param pending      see {@link #pending()}
     */
    public TaskProgress(Long totalCount, Map<String, Long> erasedByType, String cursor, int pass,
                        List<ResourceKey> pending) {
        this(totalCount, erasedByType, cursor, pass, pending, null, 0, List.of());
    }

    /**
     * Resources erased so far, all types together.
     *
     * @return the sum of {@link #erasedByType()}
     */
    public long erasedCount() {
        long sum = 0;
        for (long n : erasedByType.values()) {
            sum += n;
        }
        return sum;
    }
}
