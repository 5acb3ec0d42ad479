package com.fhirpurge.core.internal;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.InvalidRequestException;
import com.fhirpurge.core.OutsideReferencePolicy;
import com.fhirpurge.core.SharedResourcePolicy;
import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.core.fhir.BulkDeleteRequestParser;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.spi.JobKind;
import com.fhirpurge.spi.JobRecord;
import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.Lease;
import com.fhirpurge.spi.LeaseLostException;
import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.SearchCriteria;
import com.fhirpurge.spi.StoreException;
import com.fhirpurge.spi.TaskControl;
import com.fhirpurge.spi.TaskProgress;
import com.fhirpurge.spi.TaskRecord;
import com.fhirpurge.spi.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers and the heartbeat of one node.
 *
 * <p>Each worker thread ({@code purge-worker-<node>-<n>}) claims a runnable task, runs it, and claims the next;
 * when nothing is runnable it waits for the poll interval or until {@link #wakeUp()}. One heartbeat thread
 * ({@code purge-heartbeat-<node>}) extends the leases of the tasks this node is running and passes cancel requests
 * and lost leases on to their workers.
 *
 * <p><b>Shutdown order</b> ({@link #close()}): stop claiming; let each worker finish its current batch, checkpoint
 * and release its lease (so another node resumes at once); wait for the workers up to the shutdown timeout; then
 * stop the heartbeat, which kept the leases alive while the workers finished. A worker still busy after the
 * timeout is interrupted; its lease then expires and another node resumes from its last checkpoint.
 */
public final class Engine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    private final PurgeStorage storage;
    private final PurgeConfig config;
    private final InstantSource clock;
    private final Retrier retrier;
    private final Throttle throttle;
    private final EngineParts parts;
    private static final int JOB_CACHE_SIZE = 1024;
    /** How often a started node forgets jobs past their retention. */
    static final Duration FORGET_EVERY = Duration.ofMinutes(1);
    private static final int FORGET_BATCH = 500;
    /** A group claims about this many batches' worth of patients of its seed's size. */
    private static final int GROUP_BATCHES = 4;
    /** Attempts of a claim that fails transiently before the worker waits for the poll interval. */
    private static final int CLAIM_ATTEMPTS = 3;

    private final Map<String, ActiveTask> active = new ConcurrentHashMap<>();
    private final Map<String, JobRecord> jobCache = new ConcurrentHashMap<>();
    private final Map<String, BulkDeleteRequestParser.Parsed> parsedCache = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Condition runEnded = lock.newCondition();
    private long runsEnded;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final List<Thread> workers = new ArrayList<>();
    private Thread heartbeat;
    private volatile boolean running;
    private volatile boolean stopped;
    private volatile ReferenceExtractor extractor;

    /**
     * Creates an engine; {@link #start()} starts its threads.
     *
     * @param storage the storage roles
     * @param config  the configuration
     * @param clock   the time source for leases and timestamps
     */
    public Engine(PurgeStorage storage, PurgeConfig config, InstantSource clock) {
        this.storage = storage;
        this.config = config;
        this.clock = clock;
        // Backoff waits in full even while the node stops: cutting it short would turn a failover into an error.
        this.retrier = new Retrier(config.maxAttempts(), config.initialBackoff(), config.maxBackoff(),
                d -> TimeUnit.NANOSECONDS.sleep(d.toNanos()));
        // A throttle wait ends early only when the node stops.
        this.throttle = new Throttle(config.throttlePerSecond(),
                d -> stopping.await(d.toNanos(), TimeUnit.NANOSECONDS), System::nanoTime);
        this.parts = new EngineParts(storage.finder(), storage.eraser(), storage.searcher(), storage.jobs(),
                storage.listeners(), retrier, throttle, clock,
                new ErasureRecords(storage.audits(), this::findJob, retrier, clock), storage.reader(),
                this::referenceExtractor, storage.writer());
    }

    /**
     * The extractor that reads references out of stored resources with the configured local bases, for the purge
     * policies and the dry run. Compiling HAPI's search parameters takes a moment, so it is built on first use and
     * then shared.
     *
     * @return the extractor
     */
    public ReferenceExtractor referenceExtractor() {
        ReferenceExtractor e = extractor;
        if (e == null) {
            synchronized (this) {
                if (extractor == null) {
                    extractor = new ReferenceExtractor(FhirContext.forR4Cached(), config.localBaseUrls());
                }
                e = extractor;
            }
        }
        return e;
    }

    /**
     * Starts the worker and heartbeat threads.
     *
     * @throws IllegalStateException when already started or closed
     */
    public synchronized void start() {
        if (running || stopped) {
            throw new IllegalStateException("Engine of node " + config.nodeId() + " already started or closed");
        }
        running = true;
        for (int i = 1; i <= config.workers(); i++) {
            String owner = config.nodeId() + "-w" + i;
            Thread t = new Thread(() -> workLoop(owner), "purge-worker-" + config.nodeId() + "-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        heartbeat = new Thread(this::heartbeatLoop, "purge-heartbeat-" + config.nodeId());
        heartbeat.setDaemon(true);
        heartbeat.start();
    }

    /** Wakes idle workers, e.g. after a submit on this node. */
    public void wakeUp() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * How many runs (a task alone, or a group of patients) have ended on this node: a number to hand to
     * {@link #awaitRunEnd}.
     *
     * @return a count that only grows
     */
    public long runsEnded() {
        lock.lock();
        try {
            return runsEnded;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until a run ends on this node after {@code seen} had ended, or up to {@code duration}. A caller waiting
     * for a job reads {@link #runsEnded()} before it reads the job's state, so no end slips between the two, and
     * reads the state again when this returns: a job finished by this node's workers is seen at once, a job finished
     * elsewhere when the wait runs out.
     *
     * @param seen     what {@link #runsEnded()} returned before the caller's last read
     * @param duration the longest wait
     * @throws InterruptedException when interrupted
     */
    public void awaitRunEnd(long seen, Duration duration) throws InterruptedException {
        long nanos = duration.toNanos();
        lock.lock();
        try {
            while (runsEnded == seen && nanos > 0) {
                nanos = runEnded.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    private void runEnded() {
        lock.lock();
        try {
            runsEnded++;
            runEnded.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code duration}, returning early on {@link #wakeUp()} or when the engine stops.
     *
     * @param duration the longest wait
     * @throws InterruptedException when interrupted
     */
    void pause(Duration duration) throws InterruptedException {
        lock.lock();
        try {
            if (running) {
                wake.awaitNanos(duration.toNanos());
            }
        } finally {
            lock.unlock();
        }
    }

    private void workLoop(String owner) {
        LOG.debug("worker {} started", owner);
        while (running) {
            Optional<TaskRecord> claimed = claim(owner);
            try {
                if (claimed.isEmpty()) {
                    pause(config.pollInterval());
                } else {
                    runClaimed(owner, claimed.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Error e) {
                LOG.error("worker {} dies; the lease of its task will expire and another worker resumes it", owner, e);
                throw e;
            }
        }
        LOG.debug("worker {} stopped", owner);
    }

    /**
     * Claims a task, or nothing when none is runnable or the claim failed. A transient failure is tried again at once,
     * {@value #CLAIM_ATTEMPTS} attempts in all: it is mostly a claim that lost a race (a deadlock between claimers on
     * MariaDB and MySQL, a serialization failure), and waiting the poll interval after it would idle the worker
     * while tasks are waiting.
     */
    private Optional<TaskRecord> claim(String owner) {
        for (int attempt = 1; ; attempt++) {
            try {
                Instant now = clock.instant();
                return storage.jobs().claim(owner, now, now.plus(config.leaseDuration()));
            } catch (StoreException e) {
                if (!e.isTransient() || attempt >= CLAIM_ATTEMPTS) {
                    LOG.warn("worker {}: claiming a task failed, will try again: {}", owner, e.getMessage());
                    return Optional.empty();
                }
                LOG.debug("worker {}: claiming a task failed transiently, trying again at once: {}", owner,
                        e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("worker {}: claiming a task failed, will try again: {}", owner, e.getMessage());
                return Optional.empty();
            }
        }
    }

    /**
     * Runs a claimed task. A fresh patient-purge task whose compartment fits one page seeds a group: the worker
     * claims up to {@link PurgeConfig#groupSize()} - 1 more tasks ({@link #claimMore}: fewer for bigger seeds) and
     * purges the small fresh patients among them
     * together ({@link PatientGroupRun}); every other task, and every member that must go on alone, then runs on its
     * own, in order. A big compartment never makes a worker claim more, so big patients spread over the workers.
     */
    private void runClaimed(String owner, TaskRecord first) throws InterruptedException {
        if (config.groupSize() == 1 || !groupable(first)) {
            runTask(new ActiveTask(first));
            return;
        }
        ActiveTask seed = register(new ActiveTask(first));
        List<ActiveTask> held = new ArrayList<>(List.of(seed));
        List<ActiveTask> alone = new ArrayList<>();
        try {
            List<PatientGroupRun.Member> members = new ArrayList<>(wholeCompartments(List.of(seed), alone));
            if (!members.isEmpty()) {
                List<ActiveTask> more = new ArrayList<>();
                for (TaskRecord t : claimMore(owner, members.get(0).page().items().size())) {
                    ActiveTask task = register(new ActiveTask(t));
                    held.add(task);
                    (groupable(t) ? more : alone).add(task);
                }
                members.addAll(wholeCompartments(more, alone));
            }
            if (members.size() == 1) {
                // A group of one would pay the same commits, and retry a failing store twice over.
                alone.add(0, members.remove(0).task());
            }
            if (!members.isEmpty()) {
                runGroup(owner, members);
            }
            for (ActiveTask t : alone) {
                runTask(t);
            }
        } finally {
            held.forEach(t -> active.remove(t.taskId(), t));
        }
    }

    private void runGroup(String owner, List<PatientGroupRun.Member> members) throws InterruptedException {
        List<PatientGroupRun.Continuation> goOn;
        try {
            goOn = new PatientGroupRun(members, parts, config.batchSize()).run();
        } catch (RuntimeException e) {
            LOG.error("worker {}: a group of {} patients stopped unexpectedly; their leases will expire and other "
                    + "workers resume them", owner, members.size(), e);
            members.forEach(m -> active.remove(m.task().taskId(), m.task()));
            return;
        }
        runEnded();
        for (PatientGroupRun.Continuation c : goOn) {
            runTask(c.task(), c.errorReason() != null ? failing(c.task(), c.from(), c.errorReason())
                    : new PatientPurgeRun(c.task(), c.from(), config.compartment(), parts, config.batchSize(),
                            () -> running, OutsideReferencePolicy.LEAVE, SharedResourcePolicy.DELETE));
        }
    }

    /**
     * Whether a claimed task may join a group: a patient purge not yet begun, not being cancelled, and without a
     * policy that looks at each patient's compartment before erasing it.
     */
    private boolean groupable(TaskRecord task) {
        return task.progress().equals(TaskProgress.INITIAL) && !task.cancelRequested()
                && findJob(task.jobId()).map(j -> j.kind() == JobKind.PATIENT_PURGE
                        && policyOf(j) == OutsideReferencePolicy.LEAVE
                        && sharedPolicyOf(j) == SharedResourcePolicy.DELETE).orElse(false);
    }

    private static SharedResourcePolicy sharedPolicyOf(JobRecord job) {
        String code = job.parameters().get(JobParameters.SHARED_RESOURCES);
        return code == null ? SharedResourcePolicy.DELETE : SharedResourcePolicy.ofCode(code);
    }

    private static OutsideReferencePolicy policyOf(JobRecord job) {
        String code = job.parameters().get(JobParameters.OUTSIDE_REFERENCES);
        return code == null ? OutsideReferencePolicy.LEAVE : OutsideReferencePolicy.ofCode(code);
    }

    /**
     * Reads the first page of each task's compartment in one store call: tasks whose page is the whole compartment
     * become group members, the others are added to {@code alone}, as are all when the read fails (the run alone
     * meets the failure again and reports it).
     */
    private List<PatientGroupRun.Member> wholeCompartments(List<ActiveTask> tasks, List<ActiveTask> alone)
            throws InterruptedException {
        if (tasks.isEmpty()) {
            return List.of();
        }
        List<CompartmentScope> scopes = tasks.stream()
                .map(t -> new CompartmentScope(config.compartment(), t.claimed().target())).toList();
        List<ResourcePage> pages;
        try {
            pages = retrier.call(tasks.get(0).jobId(), "find members",
                    () -> storage.finder().findFirstPages(scopes, config.batchSize()));
        } catch (RuntimeException e) {
            alone.addAll(tasks);
            return List.of();
        }
        List<PatientGroupRun.Member> members = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            if (pages.get(i).hasNext()) {
                alone.add(tasks.get(i));
            } else {
                members.add(new PatientGroupRun.Member(tasks.get(i), scopes.get(i), pages.get(i)));
            }
        }
        return members;
    }

    /**
     * Claims the rest of a group: up to {@link PurgeConfig#groupSize()} - 1 tasks, and no more than make about
     * {@value #GROUP_BATCHES} batches if the others are the size of the seed, so the work of a job of middling
     * patients still spreads over the workers instead of one worker holding a hundred of them.
     */
    private List<TaskRecord> claimMore(String owner, int seedSize) {
        int fit = GROUP_BATCHES * config.batchSize() / Math.max(1, seedSize);
        int limit = Math.min(config.groupSize(), fit) - 1;
        if (limit < 1) {
            return List.of();
        }
        try {
            Instant now = clock.instant();
            return storage.jobs().claimUpTo(owner, now, now.plus(config.leaseDuration()), limit);
        } catch (RuntimeException e) {
            LOG.warn("worker {}: claiming more tasks failed; going on with those claimed: {}", owner, e.getMessage());
            return List.of();
        }
    }

    private ActiveTask register(ActiveTask task) {
        active.put(task.taskId(), task);
        return task;
    }

    private void runTask(ActiveTask task) throws InterruptedException {
        runTask(task, null);
    }

    /** Runs a task alone: {@code run} when given, else the run for its job's kind from its claimed progress. */
    private void runTask(ActiveTask task, TaskRun run) throws InterruptedException {
        TaskRecord claimed = task.claimed();
        active.put(task.taskId(), task);
        try {
            if (claimed.progress().pass() > 1 || claimed.progress().cursor() != null
                    || !claimed.progress().pending().isEmpty() || claimed.lease().fence() > 1) {
                LOG.info("job {}: task {} ({}) taken over with fence {}, resuming from its checkpoint",
                        task.jobId(), task.taskId(), claimed.target(), claimed.lease().fence());
            }
            (run != null ? run : runFor(task)).run();
        } catch (LeaseLostException e) {
            LOG.warn("job {}: lost the lease on task {}; its new owner continues", task.jobId(), task.taskId());
        } catch (RuntimeException e) {
            LOG.error("job {}: task {} stopped unexpectedly; its lease will expire and another worker resumes it",
                    task.jobId(), task.taskId(), e);
        } finally {
            active.remove(task.taskId(), task);
            runEnded();
        }
    }

    /** The run for a claimed task, by its job's kind; a task this node cannot run ends in error, saying why. */
    private TaskRun runFor(ActiveTask task) {
        TaskRecord claimed = task.claimed();
        Optional<JobRecord> job = findJob(claimed.jobId());
        if (job.isEmpty()) {
            return failing(task, "Task " + claimed.taskId() + " has no job");
        }
        if (job.get().kind() == JobKind.PATIENT_PURGE) {
            return new PatientPurgeRun(task, task.claimed().progress(), config.compartment(), parts,
                    config.batchSize(), () -> running, policyOf(job.get()), sharedPolicyOf(job.get()));
        }
        if (storage.searcher() == null) {
            return failing(task, "This node's storage has no ResourceSearcher, so it cannot run a bulk delete");
        }
        BulkDeleteRequestParser.Parsed parsed;
        try {
            parsed = parsedRequest(job.get());
        } catch (InvalidRequestException e) {
            return failing(task, "The stored bulk delete request no longer parses: " + e.getMessage());
        }
        Optional<SearchCriteria> criteria = parsed.searches().stream()
                .filter(c -> c.resourceType().equals(claimed.target())).findFirst();
        if (criteria.isEmpty()) {
            return failing(task, "Resource type " + claimed.target() + " is not in the scope of the bulk delete");
        }
        return new BulkDeleteRun(task, criteria.get(), parsed.mode(), job.get().createdAt(), parts,
                config.batchSize(), () -> running);
    }

    /** A job's record; jobs never change, so the records of recent jobs are kept and each is read only once. */
    private Optional<JobRecord> findJob(String jobId) {
        JobRecord cached = jobCache.get(jobId);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<JobRecord> job = storage.jobs().findJob(jobId);
        if (job.isPresent()) {
            if (jobCache.size() >= JOB_CACHE_SIZE) {
                jobCache.clear();
            }
            jobCache.put(jobId, job.get());
        }
        return job;
    }

    /**
     * A bulk delete job's request, parsed once per node: a system-level job has a task per resource type, and the
     * parse (as of the job's creation time) gives the same answer for each.
     */
    private BulkDeleteRequestParser.Parsed parsedRequest(JobRecord job) {
        if (parsedCache.size() >= JOB_CACHE_SIZE) {
            parsedCache.clear();
        }
        return parsedCache.computeIfAbsent(job.jobId(), id -> BulkDeleteJobs.reparse(job, FhirContext.forR4Cached()));
    }

    private TaskRun failing(ActiveTask task, String reason) {
        return failing(task, task.claimed().progress(), reason);
    }

    /** A run that only ends the task in error with {@code reason}, keeping the counts of {@code progress}. */
    private TaskRun failing(ActiveTask task, TaskProgress progress, String reason) {
        return new TaskRun(task, parts) {
            @Override
            void work() throws InterruptedException {
                LOG.error("job {}: task {} ({}) ends in error: {}", task.jobId(), task.taskId(),
                        task.claimed().target(), reason);
                this.progress = progress;
                finish(TaskState.ERROR, reason);
            }

            @Override
            String subject() {
                return "task " + task.taskId();
            }
        };
    }

    private void heartbeatLoop() {
        long intervalNanos = config.heartbeatInterval().toNanos();
        long lastForget = System.nanoTime();
        while (!stopped) {
            try {
                TimeUnit.NANOSECONDS.sleep(intervalNanos);
            } catch (InterruptedException e) {
                return;
            }
            beat();
            if (System.nanoTime() - lastForget >= FORGET_EVERY.toNanos()) {
                lastForget = System.nanoTime();
                try {
                    forgetFinishedJobs();
                } catch (RuntimeException e) {
                    LOG.warn("forgetting finished jobs failed, will try again: {}", e.getMessage());
                }
            }
        }
    }

    /**
     * Forgets the jobs finished longer than {@link PurgeConfig#jobRetention()} ago, a bounded number per store call;
     * the heartbeat thread does this every minute.
     *
     * @return how many jobs were forgotten
     */
    public int forgetFinishedJobs() {
        if (config.jobRetention().isZero()) {
            return 0;
        }
        Instant cutoff = clock.instant().minus(config.jobRetention());
        int total = 0;
        int forgotten;
        do {
            forgotten = storage.jobs().forgetFinished(cutoff, FORGET_BATCH);
            total += forgotten;
        } while (forgotten == FORGET_BATCH);
        if (total > 0) {
            LOG.info("forgot {} jobs finished before {}", total, cutoff);
        }
        return total;
    }

    /** Extends the lease of every task this node runs; package-private so tests can beat on demand. */
    void beat() {
        for (ActiveTask t : active.values()) {
            Lease lease = t.lease();
            Instant now = clock.instant();
            Instant until = now.plus(config.leaseDuration());
            try {
                synchronized (t) {
                    if (t.released()) {
                        continue;
                    }
                    if (storage.jobs().heartbeat(t.taskId(), lease, until, now) == TaskControl.CANCEL_REQUESTED) {
                        t.requestCancel();
                    }
                }
                t.extended(new Lease(lease.owner(), until, lease.fence()));
            } catch (LeaseLostException e) {
                t.markLeaseLost();
            } catch (RuntimeException e) {
                LOG.warn("job {}: heartbeat of task {} failed, will try again: {}", t.jobId(), t.taskId(),
                        e.getMessage());
            }
        }
    }

    /** Stops the engine in the documented order; idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            running = false;
        }
        stopping.countDown();
        wakeUp();
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        for (Thread t : workers) {
            joinUntil(t, deadline);
        }
        for (Thread t : workers) {
            if (t.isAlive()) {
                LOG.warn("worker {} still busy after the shutdown timeout; interrupting it", t.getName());
                t.interrupt();
                joinUntil(t, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            }
        }
        stopped = true;
        if (heartbeat != null) {
            heartbeat.interrupt();
            joinUntil(heartbeat, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
        }
        LOG.info("purge engine of node {} stopped", config.nodeId());
    }

    private static void joinUntil(Thread t, long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            return;
        }
        try {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
