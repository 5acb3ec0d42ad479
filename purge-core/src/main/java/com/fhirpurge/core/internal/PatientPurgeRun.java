package com.fhirpurge.core.internal;

import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.EraseMode;
import com.fhirpurge.spi.ErasureEvent;
import com.fhirpurge.spi.ErasureListener;
import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.LeaseLostException;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceFinder;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.StoreException;
import com.fhirpurge.spi.TaskControl;
import com.fhirpurge.spi.TaskProgress;
import com.fhirpurge.spi.TaskState;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one leased patient-purge task to a final state, or until the node stops.
 *
 * <h2>The loop</h2>
 * <ol>
 *   <li>Recover: a checkpoint with {@code pending} keys means a worker died between announcing a batch and
 *       recording its result. Those of its keys the store no longer holds were erased by that batch and are counted;
 *       the pass restarts from the beginning, so whatever of it is still a member is found and erased again, and
 *       whatever stopped being a member in between (a record moved to another patient) is left alone.</li>
 *   <li>Count the compartment once, for {@code totalResourcesCount}.</li>
 *   <li>Fetch the next page; checkpoint it as {@code pending} together with the counts so far and the cursor after
 *       it (one fenced write per batch: a worker that lost its lease stops here, before erasing); erase it in one
 *       batch; tell the listeners; throttle. When the erase succeeded only after a transient failure, an earlier
 *       attempt may have committed before its error, so the batch is settled the same way as a recovered one.</li>
 *   <li>At the end of a pass start another from the beginning, until a whole pass finds nothing: resources written
 *       during the purge are caught.</li>
 * </ol>
 * Cancellation is seen at the checkpoint before each batch; the task then ends cancelled with the counts of the
 * batches already erased. Any failure other than a lost lease ends the task in error, keeping the reason; a lost
 * lease abandons the task to its new owner without another write.
 */
final class PatientPurgeRun {

    private static final Logger LOG = LoggerFactory.getLogger(PatientPurgeRun.class);

    private final ActiveTask task;
    private final ResourceFinder finder;
    private final ResourceEraser eraser;
    private final JobRepository jobs;
    private final List<ErasureListener> listeners;
    private final Retrier retrier;
    private final Throttle throttle;
    private final InstantSource clock;
    private final int batchSize;
    private final BooleanSupplier running;
    private final CompartmentScope scope;
    private TaskProgress progress;

    PatientPurgeRun(ActiveTask task, CompartmentDefinition compartment, ResourceFinder finder, ResourceEraser eraser,
                    JobRepository jobs, List<ErasureListener> listeners, Retrier retrier, Throttle throttle,
                    InstantSource clock, int batchSize, BooleanSupplier running) {
        this.task = task;
        this.finder = finder;
        this.eraser = eraser;
        this.jobs = jobs;
        this.listeners = listeners;
        this.retrier = retrier;
        this.throttle = throttle;
        this.clock = clock;
        this.batchSize = batchSize;
        this.running = running;
        this.scope = new CompartmentScope(compartment, task.claimed().target());
        this.progress = task.claimed().progress();
    }

    void run() throws InterruptedException {
        try {
            purge();
        } catch (LeaseLostException e) {
            throw e;
        } catch (InterruptedException e) {
            throw e;
        } catch (RuntimeException e) {
            String reason = reasonOf(e);
            LOG.error("job {}: purge of patient {} failed: {}", task.jobId(), scope.ownerId(), reason, e);
            finish(TaskState.ERROR, reason);
        }
    }

    private void purge() throws InterruptedException {
        if (!progress.pending().isEmpty()) {
            List<ResourceKey> pending = progress.pending();
            List<ResourceKey> gone = settle(pending);
            LOG.info("job {}: patient {} resumes; {} of the {} resources of the interrupted batch were erased",
                    task.jobId(), scope.ownerId(), gone.size(), pending.size());
            notifyListeners(gone);
            progress = withErased(progress, gone, List.of());
            progress = new TaskProgress(progress.totalCount(), progress.erasedByType(), null, progress.pass(),
                    List.of());
        }
        if (task.cancelRequested()) {
            finish(TaskState.CANCELLED, null);
            return;
        }
        if (progress.totalCount() == null) {
            long total = retrier.call(task.jobId(), "count", () -> finder.countMembers(scope));
            progress = new TaskProgress(total, progress.erasedByType(), progress.cursor(), progress.pass(),
                    List.of());
        }
        boolean foundInPass = progress.cursor() != null;
        while (true) {
            if (!running.getAsBoolean()) {
                checkpoint();
                synchronized (task) {
                    task.markReleased();
                    jobs.release(task.taskId(), task.lease(), clock.instant());
                }
                return;
            }
            if (task.leaseLost()) {
                throw new LeaseLostException(task.taskId(), task.lease().owner(), task.lease().fence());
            }
            String cursor = progress.cursor();
            ResourcePage page = retrier.call(task.jobId(), "find members",
                    () -> finder.findMembers(scope, cursor, batchSize));
            boolean passEnds = !page.hasNext();
            foundInPass |= !page.items().isEmpty();
            progress = new TaskProgress(progress.totalCount(), progress.erasedByType(),
                    passEnds ? null : page.nextPageToken(), progress.pass(), page.items());
            if (checkpoint() == TaskControl.CANCEL_REQUESTED || task.cancelRequested()) {
                progress = withErased(progress, List.of(), List.of());
                finish(TaskState.CANCELLED, null);
                return;
            }
            if (!page.items().isEmpty()) {
                List<ResourceKey> erased = erase(page.items());
                notifyListeners(erased);
                progress = withErased(progress, erased, List.of());
                throttle.acquire(page.items().size());
            }
            if (passEnds) {
                if (!foundInPass) {
                    break;
                }
                progress = new TaskProgress(progress.totalCount(), progress.erasedByType(), null,
                        progress.pass() + 1, List.of());
                foundInPass = false;
            }
        }
        progress = new TaskProgress(progress.erasedCount(), progress.erasedByType(), null, progress.pass(), List.of());
        finish(TaskState.COMPLETED, null);
        LOG.info("job {}: patient {} completed, {} resources purged in {} passes", task.jobId(), scope.ownerId(),
                progress.erasedCount(), progress.pass());
    }

    /** Erases a batch; if that took more than one attempt, settles it by what is gone. */
    private List<ResourceKey> erase(List<ResourceKey> batch) throws InterruptedException {
        AtomicInteger attempts = new AtomicInteger();
        List<ResourceKey> erased = retrier.call(task.jobId(), "hard delete", () -> {
            attempts.incrementAndGet();
            return eraser.hardDelete(batch);
        });
        return attempts.get() == 1 ? erased : settle(batch);
    }

    /** The keys of a batch the store no longer holds anything of. */
    private List<ResourceKey> settle(List<ResourceKey> batch) throws InterruptedException {
        Set<ResourceKey> existing = new HashSet<>(retrier.call(task.jobId(), "find existing",
                () -> finder.findExisting(batch)));
        return batch.stream().filter(k -> !existing.contains(k)).toList();
    }

    private TaskControl checkpoint() throws InterruptedException {
        TaskProgress snapshot = progress;
        return retrier.call(task.jobId(), "checkpoint",
                () -> jobs.checkpoint(task.taskId(), task.lease(), snapshot, clock.instant()));
    }

    private void finish(TaskState state, String reason) throws InterruptedException {
        TaskStateMachine.requireMove(TaskState.PROCESSING, state);
        TaskProgress last = progress;
        retrier.call(task.jobId(), "finish", () -> {
            jobs.finish(task.taskId(), task.lease(), state, last, reason, clock.instant());
            return null;
        });
    }

    /** Adds erased resources to the counts; the total grows when sweeps found more than the first count. */
    private static TaskProgress withErased(TaskProgress p, List<ResourceKey> erased, List<ResourceKey> pending) {
        Map<String, Long> counts = new TreeMap<>(p.erasedByType());
        for (ResourceKey k : erased) {
            counts.merge(k.type(), 1L, Long::sum);
        }
        TaskProgress next = new TaskProgress(p.totalCount(), counts, p.cursor(), p.pass(), pending);
        if (next.totalCount() != null && next.erasedCount() > next.totalCount()) {
            next = new TaskProgress(next.erasedCount(), counts, p.cursor(), p.pass(), pending);
        }
        return next;
    }

    private void notifyListeners(List<ResourceKey> erased) {
        if (erased.isEmpty() || listeners.isEmpty()) {
            return;
        }
        ErasureEvent event = new ErasureEvent(task.jobId(), task.taskId(), EraseMode.HARD_DELETE, erased,
                clock.instant());
        for (ErasureListener l : listeners) {
            try {
                l.afterErase(event);
            } catch (RuntimeException e) {
                LOG.error("job {}: erasure listener {} failed on a batch of {} resources", task.jobId(),
                        l.getClass().getName(), erased.size(), e);
            }
        }
    }

    private static String reasonOf(RuntimeException e) {
        if (e instanceof StoreException se) {
            return "Store failure" + (se.isTransient() ? " (gave up after retries)" : "")
                    + (se.vendorState() != null ? " [" + se.vendorState() + "]" : "") + ": " + se.getMessage();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
