package com.fhirpurge.core.memory;

import com.fhirpurge.core.internal.TaskStateMachine;
import com.fhirpurge.spi.DuplicateJobException;
import com.fhirpurge.spi.JobKind;
import com.fhirpurge.spi.JobRecord;
import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.Lease;
import com.fhirpurge.spi.LeaseLostException;
import com.fhirpurge.spi.TaskControl;
import com.fhirpurge.spi.TaskProgress;
import com.fhirpurge.spi.TaskRecord;
import com.fhirpurge.spi.TaskState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A job repository on the heap. Every method is {@code synchronized}, which makes claims trivially atomic.
 *
 * <p><b>Threading:</b> safe for concurrent use within one JVM; it cannot coordinate several JVMs.
 */
public final class InMemoryJobRepository implements JobRepository {

    private final TreeMap<String, JobRecord> jobs = new TreeMap<>();
    private final Map<String, List<String>> taskIdsByJob = new HashMap<>();
    private final Map<String, TaskRecord> tasks = new LinkedHashMap<>();

    /** Creates an empty repository. */
    public InMemoryJobRepository() {
    }

    @Override
    public synchronized void create(JobRecord job, List<TaskRecord> newTasks) {
        if (jobs.containsKey(job.jobId())) {
            throw new DuplicateJobException(job.jobId());
        }
        List<String> ids = new ArrayList<>();
        for (TaskRecord t : newTasks) {
            if (!t.jobId().equals(job.jobId()) || t.state() != TaskState.NEW || tasks.containsKey(t.taskId())) {
                throw new IllegalArgumentException("Task " + t.taskId() + " is not a new task of job " + job.jobId());
            }
            ids.add(t.taskId());
        }
        jobs.put(job.jobId(), job);
        taskIdsByJob.put(job.jobId(), ids);
        for (TaskRecord t : newTasks) {
            tasks.put(t.taskId(), t);
        }
    }

    @Override
    public synchronized Optional<JobRecord> findJob(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    @Override
    public synchronized List<TaskRecord> findTasks(String jobId) {
        return taskIdsByJob.getOrDefault(jobId, List.of()).stream()
                .map(tasks::get)
                .sorted(Comparator.comparingInt(TaskRecord::ordinal))
                .toList();
    }

    @Override
    public synchronized List<JobRecord> listJobs(String afterJobId, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1");
        }
        var view = afterJobId == null ? jobs : jobs.tailMap(afterJobId, false);
        return view.values().stream().limit(limit).toList();
    }

    @Override
    public synchronized int countOpenTasks(String jobId) {
        return (int) tasks.values().stream().filter(t -> t.jobId().equals(jobId) && !t.state().isFinal()).count();
    }

    @Override
    public synchronized int countActiveJobs() {
        return (int) tasks.values().stream()
                .filter(t -> t.state() == TaskState.NEW || t.state() == TaskState.PROCESSING)
                .map(TaskRecord::jobId).distinct().count();
    }

    @Override
    public synchronized Optional<String> findActiveJob(JobKind kind, String target) {
        return tasks.values().stream()
                .filter(t -> t.target().equals(target))
                .filter(t -> t.state() == TaskState.NEW || t.state() == TaskState.PROCESSING)
                .map(TaskRecord::jobId)
                .filter(id -> jobs.get(id).kind() == kind)
                .sorted().findFirst();
    }

    @Override
    public synchronized Optional<TaskRecord> claim(String owner, Instant now, Instant leaseUntil) {
        TaskRecord best = null;
        for (TaskRecord t : tasks.values()) {
            boolean runnable = t.state() == TaskState.NEW
                    || (t.state() == TaskState.PROCESSING && !t.lease().until().isAfter(now));
            if (runnable && (best == null || isBefore(t, best))) {
                best = t;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        long fence = best.lease() == null ? 1 : best.lease().fence() + 1;
        TaskRecord claimed = new TaskRecord(best.taskId(), best.jobId(), best.ordinal(), best.target(),
                TaskState.PROCESSING, new Lease(owner, leaseUntil, fence), best.progress(), best.cancelRequested(),
                null, now);
        tasks.put(claimed.taskId(), claimed);
        return Optional.of(claimed);
    }

    private boolean isBefore(TaskRecord a, TaskRecord b) {
        JobRecord ja = jobs.get(a.jobId());
        JobRecord jb = jobs.get(b.jobId());
        int byCreation = ja.createdAt().compareTo(jb.createdAt());
        if (byCreation != 0) {
            return byCreation < 0;
        }
        int byJob = ja.jobId().compareTo(jb.jobId());
        return byJob != 0 ? byJob < 0 : a.ordinal() < b.ordinal();
    }

    @Override
    public synchronized TaskControl heartbeat(String taskId, Lease lease, Instant newUntil, Instant now) {
        TaskRecord t = fenced(taskId, lease);
        tasks.put(taskId, with(t, new Lease(lease.owner(), newUntil, lease.fence()), t.progress(), t.state(), null,
                t.updatedAt()));
        return control(t);
    }

    @Override
    public synchronized TaskControl checkpoint(String taskId, Lease lease, TaskProgress progress, Instant now) {
        TaskRecord t = fenced(taskId, lease);
        tasks.put(taskId, with(t, t.lease(), progress, TaskState.PROCESSING, null, now));
        return control(t);
    }

    @Override
    public synchronized void finish(String taskId, Lease lease, TaskState finalState, TaskProgress progress,
                                    String errorReason, Instant now) {
        if (!TaskStateMachine.isFinal(finalState)) {
            throw new IllegalArgumentException("Not a final state: " + finalState);
        }
        TaskRecord t = fenced(taskId, lease);
        tasks.put(taskId, with(t, t.lease(), progress, finalState, errorReason, now));
    }

    @Override
    public synchronized void release(String taskId, Lease lease, Instant now) {
        TaskRecord t = fenced(taskId, lease);
        tasks.put(taskId, with(t, new Lease(lease.owner(), now, lease.fence()), t.progress(), t.state(), null,
                t.updatedAt()));
    }

    @Override
    public synchronized int requestCancel(String jobId, Instant now) {
        int changed = 0;
        for (String id : taskIdsByJob.getOrDefault(jobId, List.of())) {
            TaskRecord t = tasks.get(id);
            if (t.state() == TaskState.NEW) {
                tasks.put(id, with(t, t.lease(), t.progress(), TaskState.CANCELLED, null, now));
                changed++;
            } else if (t.state() == TaskState.PROCESSING && !t.cancelRequested()) {
                tasks.put(id, new TaskRecord(t.taskId(), t.jobId(), t.ordinal(), t.target(), t.state(), t.lease(),
                        t.progress(), true, null, now));
                changed++;
            }
        }
        return changed;
    }

    private TaskRecord fenced(String taskId, Lease lease) {
        TaskRecord t = tasks.get(taskId);
        if (t == null || t.state() != TaskState.PROCESSING || t.lease() == null
                || !t.lease().owner().equals(lease.owner()) || t.lease().fence() != lease.fence()) {
            throw new LeaseLostException(taskId, lease.owner(), lease.fence());
        }
        return t;
    }

    private static TaskControl control(TaskRecord t) {
        return t.cancelRequested() ? TaskControl.CANCEL_REQUESTED : TaskControl.CONTINUE;
    }

    private static TaskRecord with(TaskRecord t, Lease lease, TaskProgress progress, TaskState state,
                                   String errorReason, Instant updatedAt) {
        return new TaskRecord(t.taskId(), t.jobId(), t.ordinal(), t.target(), state, lease, progress,
                t.cancelRequested(), errorReason, updatedAt);
    }

    @Override
    public synchronized int forgetFinished(Instant cutoff, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        List<String> forgotten = new ArrayList<>();
        for (String jobId : jobs.keySet()) {
            if (forgotten.size() == limit) {
                break;
            }
            List<TaskRecord> jobTasks = taskIdsByJob.getOrDefault(jobId, List.of()).stream().map(tasks::get).toList();
            boolean finished = !jobTasks.isEmpty()
                    && jobTasks.stream().allMatch(t -> TaskStateMachine.isFinal(t.state()));
            if (finished && jobTasks.stream().allMatch(t -> t.updatedAt().isBefore(cutoff))) {
                forgotten.add(jobId);
            }
        }
        for (String jobId : forgotten) {
            jobs.remove(jobId);
            taskIdsByJob.remove(jobId).forEach(tasks::remove);
        }
        return forgotten.size();
    }
}
