package com.fhirpurge.core.internal;

import com.fhirpurge.spi.EraseMode;
import com.fhirpurge.spi.ErasureDigest;
import com.fhirpurge.spi.ErasureEvent;
import com.fhirpurge.spi.ErasureListener;
import com.fhirpurge.spi.LeaseLostException;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.StoreException;
import com.fhirpurge.spi.TaskControl;
import com.fhirpurge.spi.TaskProgress;
import com.fhirpurge.spi.TaskState;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a patient purge and a bulk delete task run share: the fenced checkpoint, the final write, the release on
 * shutdown, the listeners, and the rule that any failure but a lost lease ends the task in error with its reason.
 */
abstract class TaskRun {

    private static final Logger LOG = LoggerFactory.getLogger(TaskRun.class);

    protected final ActiveTask task;
    protected final EngineParts parts;
    protected TaskProgress progress;

    TaskRun(ActiveTask task, EngineParts parts) {
        this.task = task;
        this.parts = parts;
        this.progress = task.claimed().progress();
    }

    /**
     * Runs the task to a final state, or until the node stops or the lease is lost.
     *
     * @throws InterruptedException when interrupted
     * @throws LeaseLostException   when another worker owns the task now
     */
    final void run() throws InterruptedException {
        try {
            work();
        } catch (LeaseLostException | InterruptedException e) {
            throw e;
        } catch (RuntimeException e) {
            String reason = reasonOf(e);
            LOG.error("job {}: {} failed: {}", task.jobId(), subject(), reason, e);
            finish(TaskState.ERROR, reason);
        }
    }

    /** The task's own loop. */
    abstract void work() throws InterruptedException;

    /** What the task erases, for the log, e.g. "purge of patient p1". */
    abstract String subject();

    /** Throws when the heartbeat found the lease taken over. */
    final void requireLease() {
        if (task.leaseLost()) {
            throw new LeaseLostException(task.taskId(), task.lease().owner(), task.lease().fence());
        }
    }

    /** Writes the progress under the lease; the answer says whether a cancel was requested. */
    final TaskControl checkpoint() throws InterruptedException {
        TaskProgress current = progress;
        return parts.retrier().call(task.jobId(), "checkpoint",
                () -> parts.jobs().checkpoint(task.taskId(), task.lease(), current, parts.clock().instant()));
    }

    /** Checkpoints and gives the lease back, so another node resumes at once (the node is stopping). */
    final void checkpointAndRelease() throws InterruptedException {
        checkpoint();
        synchronized (task) {
            task.markReleased();
            parts.jobs().release(task.taskId(), task.lease(), parts.clock().instant());
        }
    }

    /** Ends the task in a final state with its counts; the final record holds no cursor and no pending batch. */
    final void finish(TaskState state, String reason) throws InterruptedException {
        TaskStateMachine.requireMove(TaskState.PROCESSING, state);
        TaskProgress last = new TaskProgress(progress.totalCount(), progress.erasedByType(), null, progress.pass(),
                List.of(), progress.erasedDigest(), progress.keptCount(), progress.kept());
        parts.records().ended(task.claimed(), state, last, reason);
        parts.retrier().call(task.jobId(), "finish", () -> {
            parts.jobs().finish(task.taskId(), task.lease(), state, last, reason, parts.clock().instant());
            return null;
        });
    }

    /**
     * Adds erased resources to the counts and the digest and clears the pending batch; the total grows if more were
     * erased. Every erased resource passes here exactly once, so counts and digest describe the same set.
     */
    static TaskProgress withErased(TaskProgress p, List<ResourceKey> erased) {
        Map<String, Long> counts = new TreeMap<>(p.erasedByType());
        for (ResourceKey k : erased) {
            counts.merge(k.type(), 1L, Long::sum);
        }
        String digest = erased.isEmpty() ? p.erasedDigest() : ErasureDigest.add(p.erasedDigest(), erased);
        TaskProgress next = new TaskProgress(p.totalCount(), counts, p.cursor(), p.pass(), List.of(), digest);
        if (next.totalCount() != null && next.erasedCount() > next.totalCount()) {
            next = new TaskProgress(next.erasedCount(), counts, p.cursor(), p.pass(), List.of(), digest);
        }
        return next;
    }

    /** Tells every listener about an erased batch; a failing listener is logged and does not stop the task. */
    final void notifyListeners(EraseMode mode, List<ResourceKey> erased) {
        notifyListeners(parts, task.jobId(), task.taskId(), mode, erased);
    }

    /** Tells every listener about a task's erased batch; a failing listener is logged and stops nothing. */
    static void notifyListeners(EngineParts parts, String jobId, String taskId, EraseMode mode,
                                List<ResourceKey> erased) {
        if (erased.isEmpty() || parts.listeners().isEmpty()) {
            return;
        }
        ErasureEvent event = new ErasureEvent(jobId, taskId, mode, erased, parts.clock().instant());
        for (ErasureListener l : parts.listeners()) {
            try {
                l.afterErase(event);
            } catch (RuntimeException e) {
                LOG.error("job {}: erasure listener {} failed on a batch of {} resources", jobId,
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
