package com.fhirpurge.benchmarks;

import com.fhirpurge.core.internal.TaskStateMachine;
import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.TaskRecord;
import java.time.Duration;
import java.util.List;

/** Waits for a job by reading its tasks every few milliseconds: one query per look, little load on the store. */
final class Completion {

    private static final long PAUSE_MILLIS = 5;

    private Completion() {
    }

    /**
     * Waits until every task of the job is final.
     *
     * @param jobs    the job repository
     * @param jobId   the job
     * @param timeout the longest wait
     * @return the final tasks
     * @throws InterruptedException when interrupted
     */
    static List<TaskRecord> await(JobRepository jobs, String jobId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<TaskRecord> tasks = jobs.findTasks(jobId);
            if (!tasks.isEmpty() && tasks.stream().allMatch(t -> TaskStateMachine.isFinal(t.state()))) {
                return tasks;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Job " + jobId + " did not finish within " + timeout);
            }
            Thread.sleep(PAUSE_MILLIS);
        }
    }
}
