package com.fhirpurge.server;

import com.fhirpurge.core.BulkDeleteStatus;
import com.fhirpurge.core.JobStatus;
import com.fhirpurge.core.PurgeJobStatus;
import com.fhirpurge.core.internal.TaskStateMachine;
import com.fhirpurge.core.PurgeService;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line per running job every interval: patients done, resources purged, and the rate since the last line;
 * and a last line when the job finishes. Watches the jobs submitted through this server and, at start, the
 * unfinished jobs found in the job repository (resumed after a restart).
 *
 * <p>Thread-safe; one named daemon thread.
 */
public final class ProgressReporter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);

    private final PurgeService service;
    private final Duration interval;
    private final Map<String, Sample> watched = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    /** The last purged count seen for a job, and when. */
    private record Sample(long purged, long nanos) {
    }

    /**
     * Creates and starts the reporter.
     *
     * @param service  the purge service
     * @param interval how often to log
     */
    public ProgressReporter(PurgeService service, Duration interval) {
        this.service = Objects.requireNonNull(service, "service");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "purge-server-progress");
            t.setDaemon(true);
            return t;
        });
        timer.execute(this::watchUnfinished);
        timer.scheduleWithFixedDelay(this::report, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Starts watching a job.
     *
     * @param jobId the job id
     */
    public void watch(String jobId) {
        watched.putIfAbsent(jobId, new Sample(0, System.nanoTime()));
    }

    private void watchUnfinished() {
        try {
            String after = null;
            while (true) {
                List<JobStatus> page = service.listJobs(after, 500);
                for (JobStatus job : page) {
                    if (!job.isFinished()) {
                        LOG.info("job {}: unfinished from an earlier run, resumed", job.jobId());
                        watch(job.jobId());
                    }
                }
                if (page.size() < 500) {
                    return;
                }
                after = page.get(page.size() - 1).jobId();
            }
        } catch (RuntimeException e) {
            LOG.warn("could not list unfinished jobs: {}", e.toString());
        }
    }

    private void report() {
        for (Map.Entry<String, Sample> entry : watched.entrySet()) {
            String jobId = entry.getKey();
            try {
                JobStatus status = service.findAnyJob(jobId).orElse(null);
                if (status == null) {
                    watched.remove(jobId);
                    continue;
                }
                long now = System.nanoTime();
                long purged = status instanceof PurgeJobStatus p ? p.purgedResourcesCount()
                        : ((BulkDeleteStatus) status).deletedCount();
                double seconds = Math.max(1e-3, (now - entry.getValue().nanos()) / 1e9);
                String rate = String.format(Locale.ROOT, "%.1f", (purged - entry.getValue().purged()) / seconds);
                if (status instanceof PurgeJobStatus p) {
                    long done = p.patients().stream().filter(t -> TaskStateMachine.isFinal(t.state())).count();
                    LOG.info("job {}: {}, {}/{} patients done, {} resources purged, {} resources/s", jobId,
                            status.state().code(), done, p.patients().size(), purged, rate);
                } else if (status instanceof BulkDeleteStatus b) {
                    long done = b.types().stream().filter(t -> TaskStateMachine.isFinal(t.state())).count();
                    LOG.info("job {}: bulk delete {}, {}/{} resource types done, {} resources deleted, {} "
                            + "resources/s", jobId, status.state().code(), done, b.types().size(), purged, rate);
                }
                if (status.isFinished()) {
                    watched.remove(jobId);
                } else {
                    watched.put(jobId, new Sample(purged, now));
                }
            } catch (RuntimeException e) {
                LOG.warn("job {}: could not read progress: {}", jobId, e.toString());
            }
        }
    }

    /** Stops the reporter thread. */
    @Override
    public void close() {
        timer.shutdownNow();
    }

    /**
     * The reporting interval.
     *
     * @return the interval
     */
    public Duration interval() {
        return interval;
    }
}
