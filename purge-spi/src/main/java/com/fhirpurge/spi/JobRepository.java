package com.fhirpurge.spi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Job repository role: persists jobs and their tasks, and hands tasks to workers under fenced leases.
 *
 * <p><b>Cluster safety:</b> many engines on many nodes may share one repository. A claim is atomic: two owners
 * never hold an unexpired lease on the same task at once ({@code FOR UPDATE SKIP LOCKED}, a version-guarded
 * update, or {@code findOneAndUpdate}). Every write a worker makes while it holds a lease (heartbeat, checkpoint,
 * finish, release) names its {@link Lease}; the write succeeds only while the task is {@link TaskState#PROCESSING}
 * and the stored owner and fence still match, else it throws {@link LeaseLostException} and changes nothing.
 * Losing a race is never reported as a store failure.
 *
 * <p>Time is always passed in: the repository never reads a clock, so expiry is decided by the caller's
 * {@code now}.
 *
 * <p><b>Threading:</b> safe for concurrent use. <b>Errors:</b> {@link StoreException} when the store fails.
 */
public interface JobRepository {

    /**
     * Stores a new job and its tasks atomically.
     *
     * @param job   the job
     * @param tasks its tasks, all in state {@link TaskState#NEW}, task ids unique
     * @throws DuplicateJobException when a job with that id exists
     */
    void create(JobRecord job, List<TaskRecord> tasks);

    /**
     * Reads a job.
     *
     * @param jobId the job id
     * @return the job, empty when unknown
     */
    Optional<JobRecord> findJob(String jobId);

    /**
     * Reads a job's tasks, ordered by {@link TaskRecord#ordinal()}. A job's task count is bounded by the engine's
     * configuration (maximum patients per job, resource types), so this list is small.
     *
     * @param jobId the job id
     * @return the tasks, empty for an unknown job
     */
    List<TaskRecord> findTasks(String jobId);

    /**
     * Lists jobs in job id order, a page at a time.
     *
     * @param afterJobId {@code null} for the first page, else the last job id of the previous page
     * @param limit      the maximum number of jobs, at least 1
     * @return at most {@code limit} jobs with ids greater than {@code afterJobId}
     */
    List<JobRecord> listJobs(String afterJobId, int limit);

    /**
     * Counts a job's tasks still to run or running ({@link TaskState#NEW} or {@link TaskState#PROCESSING}): zero once
     * the job is finished, and for an unknown job. A caller waiting for a job to end asks this instead of reading
     * every task, so a repository should answer it with one counting query.
     *
     * <p>The default reads the tasks with {@link #findTasks}.
     *
     * @param jobId the job id
     * @return the number of the job's open tasks
     */
    default int countOpenTasks(String jobId) {
        return (int) findTasks(jobId).stream().filter(t -> !t.state().isFinal()).count();
    }

    /**
     * Counts the jobs that still have work: at least one task {@link TaskState#NEW} or {@link TaskState#PROCESSING}.
     * Hosts use it to refuse new jobs beyond a concurrency limit (HTTP 429).
     *
     * @return the number of active jobs
     */
    int countActiveJobs();

    /**
     * Finds a job of the given kind with a task for {@code target} that is still to run or running
     * ({@link TaskState#NEW} or {@link TaskState#PROCESSING}): for a patient purge, a job purging that patient's
     * compartment. Hosts ask it before every write into a compartment (the write fence), so a repository should
     * answer it with one indexed query.
     *
     * <p>The default pages through {@link #listJobs} and {@link #findTasks}, which is correct but reads every job;
     * every shipped repository overrides it.
     *
     * @param kind   the job kind
     * @param target the task target: a patient id for a patient purge, a resource type for a bulk delete
     * @return the id of such a job (the smallest, when several), empty when there is none
     */
    default Optional<String> findActiveJob(JobKind kind, String target) {
        String after = null;
        List<JobRecord> page;
        do {
            page = listJobs(after, 100);
            for (JobRecord job : page) {
                if (job.kind() == kind && findTasks(job.jobId()).stream().anyMatch(t -> t.target().equals(target)
                        && (t.state() == TaskState.NEW || t.state() == TaskState.PROCESSING))) {
                    return Optional.of(job.jobId());
                }
            }
            after = page.isEmpty() ? null : page.get(page.size() - 1).jobId();
        } while (page.size() == 100);
        return Optional.empty();
    }

    /**
     * Claims one runnable task: a task in {@link TaskState#NEW}, or in {@link TaskState#PROCESSING} whose lease
     * ended at or before {@code now}. The claimed task becomes {@code PROCESSING} with a lease for {@code owner}
     * until {@code leaseUntil}, its fence one more than before (1 on the first claim), {@code updatedAt = now}.
     * Among runnable tasks, those of older jobs come first.
     *
     * @param owner      the claiming worker
     * @param now        the caller's current time
     * @param leaseUntil when the new lease ends
     * @return the claimed task as stored after the claim, or empty when nothing is runnable
     */
    Optional<TaskRecord> claim(String owner, Instant now, Instant leaseUntil);

    /**
     * Claims up to {@code limit} runnable tasks, each exactly as {@link #claim} would, in the order {@code claim}
     * would hand them out. A worker that runs many small tasks together (a patient purge groups patients whose
     * compartment fits one batch) claims them in one round trip.
     *
     * <p>The default calls {@link #claim} until it has {@code limit} tasks or nothing is runnable; a repository that
     * can claim several rows in one transaction should override it.
     *
     * @param owner      the claiming worker
     * @param now        the caller's current time
     * @param leaseUntil when the new leases end
     * @param limit      the most tasks to claim, at least 1
     * @return the claimed tasks as stored after the claim, empty when nothing is runnable
     */
    default List<TaskRecord> claimUpTo(String owner, Instant now, Instant leaseUntil, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1, was " + limit);
        }
        List<TaskRecord> claimed = new ArrayList<>();
        while (claimed.size() < limit) {
            Optional<TaskRecord> next = claim(owner, now, leaseUntil);
            if (next.isEmpty()) {
                break;
            }
            claimed.add(next.get());
        }
        return claimed;
    }

    /**
     * Extends a lease.
     *
     * @param taskId   the task
     * @param lease    the lease the caller holds
     * @param newUntil the new end of the lease
     * @param now      the caller's current time
     * @return whether a cancel was requested
     * @throws LeaseLostException when the caller no longer holds the lease
     */
    TaskControl heartbeat(String taskId, Lease lease, Instant newUntil, Instant now);

    /**
     * Saves progress, stamping {@code updatedAt = now}.
     *
     * @param taskId   the task
     * @param lease    the lease the caller holds
     * @param progress the new progress
     * @param now      the caller's current time
     * @return whether a cancel was requested
     * @throws LeaseLostException when the caller no longer holds the lease
     */
    TaskControl checkpoint(String taskId, Lease lease, TaskProgress progress, Instant now);

    /**
     * Ends a task in a final state.
     *
     * @param taskId      the task
     * @param lease       the lease the caller holds
     * @param finalState  {@link TaskState#COMPLETED}, {@link TaskState#ERROR} or {@link TaskState#CANCELLED}
     * @param progress    the final progress
     * @param errorReason why, for {@code ERROR}; else {@code null}
     * @param now         the caller's current time
     * @throws LeaseLostException when the caller no longer holds the lease
     */
    void finish(String taskId, Lease lease, TaskState finalState, TaskProgress progress, String errorReason,
                Instant now);

    /**
     * Makes several fenced writes, each exactly as {@link #checkpoint} (for an update without a final state) or
     * {@link #finish} would, with one difference: a write whose lease is lost is answered
     * {@link TaskControl#LEASE_LOST}, changes nothing, and does not stop the other writes. A worker that runs many
     * small tasks together saves their progress in one round trip.
     *
     * <p>The default makes the writes one by one; a repository that can make them in one transaction should
     * override it. Either way each write stands on its own: the caller must not rely on all or none.
     *
     * @param updates the writes, at most one per task
     * @param now     the caller's current time
     * @return per update, in the same order: {@link TaskControl#CONTINUE}, {@link TaskControl#CANCEL_REQUESTED}
     *         (for a checkpoint of a task whose job a caller asked to cancel) or {@link TaskControl#LEASE_LOST}
     */
    default List<TaskControl> writeAll(List<TaskUpdate> updates, Instant now) {
        List<TaskControl> answers = new ArrayList<>(updates.size());
        for (TaskUpdate u : updates) {
            try {
                if (u.finalState() == null) {
                    answers.add(checkpoint(u.taskId(), u.lease(), u.progress(), now));
                } else {
                    finish(u.taskId(), u.lease(), u.finalState(), u.progress(), u.errorReason(), now);
                    answers.add(TaskControl.CONTINUE);
                }
            } catch (LeaseLostException e) {
                answers.add(TaskControl.LEASE_LOST);
            }
        }
        return answers;
    }

    /**
     * Gives a lease back early (on orderly shutdown) so another worker may claim the task at once: the task stays
     * {@code PROCESSING} with its progress, and its lease ends at {@code now}.
     *
     * @param taskId the task
     * @param lease  the lease the caller holds
     * @param now    the caller's current time
     * @throws LeaseLostException when the caller no longer holds the lease
     */
    void release(String taskId, Lease lease, Instant now);

    /**
     * Requests cancellation of a job: its {@code NEW} tasks become {@link TaskState#CANCELLED} at once; its
     * {@code PROCESSING} tasks get {@link TaskRecord#cancelRequested()} set, which their worker sees on its next
     * fenced write (and a worker that claims such a task after a crash sees on the claim). Final tasks are left
     * alone. Every changed task gets {@code updatedAt = now}.
     *
     * @param jobId the job
     * @param now   the caller's current time
     * @return the number of tasks changed; 0 when the job is unknown or already finished
     */
    int requestCancel(String jobId, Instant now);

    /**
     * Forgets finished jobs: deletes, with their tasks, at most {@code limit} jobs of which every task is final
     * (completed, error or cancelled) and whose last change (the latest task update) is before {@code cutoff},
     * oldest job ids first. A job with work left is never deleted, however old.
     *
     * @param cutoff the newest last change a forgotten job may have (exclusive)
     * @param limit  the most jobs to delete in this call, at least 1
     * @return how many jobs were deleted
     */
    int forgetFinished(Instant cutoff, int limit);
}
