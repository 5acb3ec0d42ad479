package com.fhirpurge.core.internal;

import com.fhirpurge.spi.EraseMode;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.SearchCriteria;
import com.fhirpurge.spi.SearchCriterion;
import com.fhirpurge.spi.SearchParamType;
import com.fhirpurge.spi.SearchValue;
import com.fhirpurge.spi.TaskControl;
import com.fhirpurge.spi.TaskProgress;
import com.fhirpurge.spi.TaskState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one leased bulk delete task (one resource type) to a final state, or until the node stops.
 *
 * <h2>The loop</h2>
 * <ol>
 *   <li>Recover: a checkpoint with {@code pending} keys means a worker died between announcing a batch and
 *       recording its result. What that batch already did is counted (hard delete: the keys the store no longer
 *       holds; soft delete: the keys no longer live), and the rest of the batch is erased again.</li>
 *   <li>Count the matches once, for the progress report.</li>
 *   <li>Search the next page of matches as of the job's snapshot (its creation time), resuming strictly after the
 *       last page (keyset); checkpoint it as {@code pending} with the cursor after it (one fenced write per batch,
 *       where a cancel request is seen); erase it in one batch in the job's mode; tell the listeners; throttle.</li>
 *   <li>Stop after the last page. There is one pass: the snapshot bounds the matches, and what a page erased no
 *       longer matches (purge history keeps its matches, so a second pass would only repeat the first). The
 *       checkpoint of the last page carries {@code pass = 2}, so a worker that resumes after it does not scan the
 *       type again.</li>
 * </ol>
 *
 * <p><b>Known limit:</b> after a crash (or a retried batch) in purge-history mode, resources whose history the
 * interrupted attempt had already removed are not counted, since nothing tells them from resources that never had
 * history; the log says so. What is erased stays exact; only that one batch's count may be low.
 */
final class BulkDeleteRun extends TaskRun {

    private static final Logger LOG = LoggerFactory.getLogger(BulkDeleteRun.class);
    private static final int LAST_PAGE_REACHED = 2;

    private final SearchCriteria criteria;
    private final EraseMode mode;
    private final Instant snapshot;
    private final int batchSize;
    private final BooleanSupplier running;

    BulkDeleteRun(ActiveTask task, SearchCriteria criteria, EraseMode mode, Instant snapshot, EngineParts parts,
                  int batchSize, BooleanSupplier running) {
        super(task, parts);
        this.criteria = criteria;
        this.mode = mode;
        this.snapshot = snapshot;
        this.batchSize = batchSize;
        this.running = running;
    }

    @Override
    String subject() {
        return "bulk delete of " + criteria.resourceType();
    }

    @Override
    void work() throws InterruptedException {
        if (!progress.pending().isEmpty()) {
            List<ResourceKey> pending = progress.pending();
            List<ResourceKey> done = redo(pending, List.of());
            LOG.info("job {}: bulk delete of {} resumes; {} of the {} resources of the interrupted batch are "
                    + "counted", task.jobId(), criteria.resourceType(), done.size(), pending.size());
            notifyListeners(mode, done);
            progress = withErased(progress, done);
        }
        if (task.cancelRequested()) {
            finish(TaskState.CANCELLED, null);
            return;
        }
        if (progress.pass() < LAST_PAGE_REACHED) {
            if (progress.totalCount() == null) {
                long total = parts.retrier().call(task.jobId(), "count",
                        () -> parts.searcher().count(criteria, snapshot));
                progress = new TaskProgress(total, progress.erasedByType(), progress.cursor(), progress.pass(),
                        List.of(), progress.erasedDigest());
            }
            if (!deletePages()) {
                return;
            }
        }
        finish(TaskState.COMPLETED, null);
        LOG.info("job {}: bulk delete of {} completed, {} resources ({})", task.jobId(), criteria.resourceType(),
                progress.erasedCount(), mode);
    }

    /** Deletes page after page; {@code false} when the task ended otherwise (cancelled, or released). */
    private boolean deletePages() throws InterruptedException {
        while (true) {
            if (!running.getAsBoolean()) {
                checkpointAndRelease();
                return false;
            }
            requireLease();
            String cursor = progress.cursor();
            ResourcePage page = parts.retrier().call(task.jobId(), "search",
                    () -> parts.searcher().search(criteria, snapshot, cursor, batchSize));
            boolean last = !page.hasNext();
            progress = new TaskProgress(progress.totalCount(), progress.erasedByType(),
                    last ? null : page.nextPageToken(), last ? LAST_PAGE_REACHED : 1, page.items(),
                            progress.erasedDigest());
            if (checkpoint() == TaskControl.CANCEL_REQUESTED || task.cancelRequested()) {
                progress = withErased(progress, List.of());
                finish(TaskState.CANCELLED, null);
                return false;
            }
            if (!page.items().isEmpty()) {
                List<ResourceKey> erased = erase(page.items());
                notifyListeners(mode, erased);
                progress = withErased(progress, erased);
                parts.throttle().acquire(page.items().size());
            }
            if (last) {
                return true;
            }
        }
    }

    /** Erases a batch in the job's mode; if that took more than one attempt, settles it by the store's state. */
    private List<ResourceKey> erase(List<ResourceKey> batch) throws InterruptedException {
        AtomicInteger attempts = new AtomicInteger();
        AtomicReference<List<ResourceKey>> lastResult = new AtomicReference<>(List.of());
        List<ResourceKey> erased = parts.retrier().call(task.jobId(), describe(mode), () -> {
            attempts.incrementAndGet();
            List<ResourceKey> result = eraseOnce(batch);
            lastResult.set(result);
            return result;
        });
        return attempts.get() == 1 ? erased : redo(batch, lastResult.get());
    }

    private List<ResourceKey> eraseOnce(List<ResourceKey> batch) {
        return switch (mode) {
            case HARD_DELETE -> parts.eraser().hardDelete(batch);
            case SOFT_DELETE -> parts.eraser().softDelete(batch, parts.clock().instant());
            case PURGE_HISTORY -> parts.eraser().purgeHistory(batch);
        };
    }

    /**
     * Finishes a batch an earlier attempt may have partly done: counts what is done already, erases the rest.
     *
     * @param batch        the batch
     * @param alreadyKnown what a successful attempt reported (all purge history can know)
     * @return the batch's resources that count as erased, in batch order
     */
    private List<ResourceKey> redo(List<ResourceKey> batch, List<ResourceKey> alreadyKnown)
            throws InterruptedException {
        Set<ResourceKey> remaining = switch (mode) {
            case HARD_DELETE -> new HashSet<>(parts.retrier().call(task.jobId(), "find existing",
                    () -> parts.finder().findExisting(batch)));
            case SOFT_DELETE -> live(batch);
            case PURGE_HISTORY -> new HashSet<>(batch);
        };
        Set<ResourceKey> done = new HashSet<>(alreadyKnown);
        if (mode != EraseMode.PURGE_HISTORY) {
            batch.stream().filter(k -> !remaining.contains(k)).forEach(done::add);
        } else if (alreadyKnown.isEmpty()) {
            LOG.warn("job {}: a purge-history batch of {} {} resources was interrupted; resources whose history it "
                    + "had already removed are not counted", task.jobId(), batch.size(), criteria.resourceType());
        }
        List<ResourceKey> rest = batch.stream().filter(k -> remaining.contains(k) && !done.contains(k)).toList();
        if (!rest.isEmpty()) {
            done.addAll(parts.retrier().call(task.jobId(), describe(mode), () -> eraseOnce(rest)));
        }
        return batch.stream().filter(done::contains).toList();
    }

    /** The keys of the batch that still match the criteria as of the snapshot, i.e. are not soft-deleted yet. */
    private Set<ResourceKey> live(List<ResourceKey> batch) throws InterruptedException {
        List<SearchValue> ids = new ArrayList<>(batch.size());
        for (ResourceKey k : new LinkedHashSet<>(batch)) {
            ids.add(new SearchValue.IdValue(k.id()));
        }
        List<SearchCriterion> allOf = new ArrayList<>(criteria.allOf());
        allOf.add(new SearchCriterion("_id", SearchParamType.ID, null, null, SearchParamType.ID, ids));
        SearchCriteria byId = new SearchCriteria(criteria.resourceType(), allOf);
        Set<ResourceKey> live = new HashSet<>();
        String token = null;
        do {
            String from = token;
            ResourcePage page = parts.retrier().call(task.jobId(), "search batch",
                    () -> parts.searcher().search(byId, snapshot, from, batchSize));
            live.addAll(page.items());
            token = page.hasNext() ? page.nextPageToken() : null;
        } while (token != null);
        return live;
    }

    private static String describe(EraseMode mode) {
        return switch (mode) {
            case HARD_DELETE -> "hard delete";
            case SOFT_DELETE -> "soft delete";
            case PURGE_HISTORY -> "purge history";
        };
    }
}
