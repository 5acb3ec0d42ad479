package com.fhirpurge.core.memory;

import com.fhirpurge.spi.JobRecord;
import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.Lease;
import com.fhirpurge.spi.TaskControl;
import com.fhirpurge.spi.TaskProgress;
import com.fhirpurge.spi.TaskRecord;
import com.fhirpurge.spi.TaskState;
import com.fhirpurge.spi.contract.JobRepositoryContract;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The contract against a repository that implements only the abstract methods, so the SPI's default methods
 * ({@code claimUpTo}, {@code writeAll}, {@code findActiveJob}) are what a vendor who overrides none of them gets.
 */
class DefaultMethodsJobRepositoryContractTest extends JobRepositoryContract {

    @Override
    protected JobRepository createRepository() {
        return new AbstractMethodsOnly(new InMemoryJobRepository());
    }

    /** Delegates the abstract methods only. */
    private record AbstractMethodsOnly(JobRepository d) implements JobRepository {

        @Override
        public void create(JobRecord job, List<TaskRecord> tasks) {
            d.create(job, tasks);
        }

        @Override
        public Optional<JobRecord> findJob(String jobId) {
            return d.findJob(jobId);
        }

        @Override
        public List<TaskRecord> findTasks(String jobId) {
            return d.findTasks(jobId);
        }

        @Override
        public List<JobRecord> listJobs(String afterJobId, int limit) {
            return d.listJobs(afterJobId, limit);
        }

        @Override
        public int countActiveJobs() {
            return d.countActiveJobs();
        }

        @Override
        public Optional<TaskRecord> claim(String owner, Instant now, Instant leaseUntil) {
            return d.claim(owner, now, leaseUntil);
        }

        @Override
        public TaskControl heartbeat(String taskId, Lease lease, Instant newUntil, Instant now) {
            return d.heartbeat(taskId, lease, newUntil, now);
        }

        @Override
        public TaskControl checkpoint(String taskId, Lease lease, TaskProgress progress, Instant now) {
            return d.checkpoint(taskId, lease, progress, now);
        }

        @Override
        public void finish(String taskId, Lease lease, TaskState finalState, TaskProgress progress,
                           String errorReason, Instant now) {
            d.finish(taskId, lease, finalState, progress, errorReason, now);
        }

        @Override
        public void release(String taskId, Lease lease, Instant now) {
            d.release(taskId, lease, now);
        }

        @Override
        public int requestCancel(String jobId, Instant now) {
            return d.requestCancel(jobId, now);
        }

        @Override
        public int forgetFinished(Instant cutoff, int limit) {
            return d.forgetFinished(cutoff, limit);
        }
    }
}
