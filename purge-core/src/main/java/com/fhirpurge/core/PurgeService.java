package com.fhirpurge.core;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.fhir.BulkDeleteRequestParser;
import com.fhirpurge.core.fhir.FhirIds;
import com.fhirpurge.core.internal.BulkDeleteJobs;
import com.fhirpurge.core.internal.DryRun;
import com.fhirpurge.core.internal.Engine;
import com.fhirpurge.core.internal.JobIds;
import com.fhirpurge.core.internal.JobParameters;
import com.fhirpurge.core.internal.TaskStateMachine;
import com.fhirpurge.spi.EraseMode;
import com.fhirpurge.spi.JobKind;
import com.fhirpurge.spi.JobRecord;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.TaskRecord;
import com.fhirpurge.spi.TaskState;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point: submit patient purges and bulk deletes, read their status, cancel them.
 *
 * <p>A purge is asynchronous. {@link #submitPatientPurge(PurgeRequest)} validates the request, stores a job with
 * one task per patient and returns the job id at once; the workers of every started service on the same job
 * repository (this node or others) then hard-delete each patient's compartment, with all history, in batches.
 *
 * <pre>{@code
 * InMemoryResourceStore store = new InMemoryResourceStore();
 * try (PurgeService purge = PurgeService.builder(PurgeStorage.of(store, store, new InMemoryJobRepository()))
 *         .build()) {
 *     purge.start();
 *     String jobId = purge.submitPatientPurge(PurgeRequest.of("p1", "p2"));
 *     PurgeJobStatus status = purge.awaitTermination(jobId, Duration.ofMinutes(1));
 * }
 * }</pre>
 *
 * <p>A bulk delete ({@link #submitBulkDelete(BulkDeleteRequest)}) is asynchronous the same way: one task per
 * resource type in scope soft-deletes, hard-deletes or purges the history of the resources that match FHIR search
 * criteria, as of the job's creation time.
 *
 * <p>Construct it with {@link #builder(PurgeStorage)}, or through dependency injection with the
 * {@link Inject @Inject} constructor. A service that is never {@link #start() started} still accepts and reports
 * jobs (a submit-only node); other nodes' workers run them.
 *
 * <p><b>Threading:</b> all methods are safe for concurrent use. {@link #close()} stops this node's workers in the
 * order {@link Engine} documents.
 */
public final class PurgeService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PurgeService.class);

    private final PurgeStorage storage;
    private final PurgeConfig config;
    private final InstantSource clock;
    private final Engine engine;
    private final BulkDeleteRequestParser bulkDeleteParser;

    /**
     * Creates a service (not started). This is the constructor dependency injection containers call.
     *
     * @param storage the storage roles
     * @param config  the configuration
     * @param clock   the time source for every timestamp and lease
     */
    @Inject
    public PurgeService(PurgeStorage storage, PurgeConfig config, InstantSource clock) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.engine = new Engine(storage, config, clock);
        this.bulkDeleteParser = new BulkDeleteRequestParser(FhirContext.forR4Cached(), clock);
        LOG.info("purge service created: {}", config.summary());
    }

    /**
     * Starts building a service.
     *
     * @param storage the storage roles
     * @return a builder
     */
    public static Builder builder(PurgeStorage storage) {
        return new Builder(storage);
    }

    /**
     * Starts this node's worker and heartbeat threads.
     *
     * @return this service
     * @throws IllegalStateException when already started or closed
     */
    public PurgeService start() {
        engine.start();
        return this;
    }

    /**
     * The effective configuration.
     *
     * @return the configuration
     */
    public PurgeConfig config() {
        return config;
    }

    /**
     * Submits a purge of the Patient compartments of the given patients. Validates first, touching nothing when
     * the request is refused.
     *
     * @param request the patients and the requester
     * @return the new job's id
     * @throws InvalidRequestException when there is no patient id, an id breaks the FHIR id rule, or there are more
     *                                 distinct ids than {@link PurgeConfig#maxPatientsPerJob()}; all problems are
     *                                 listed
     */
    public String submitPatientPurge(PurgeRequest request) {
        List<String> patientIds = validate(request.patientIds());
        if (request.reason() != null && (request.reason().isBlank()
                || request.reason().length() > PurgeRequest.MAX_REASON_LENGTH)) {
            throw InvalidRequestException.badRequest("value", "The reason must be 1 to "
                    + PurgeRequest.MAX_REASON_LENGTH + " characters, not blank", "reason");
        }
        if (request.outsideReferences() != OutsideReferencePolicy.LEAVE && storage.reader() == null) {
            throw InvalidRequestException.badRequest("not-supported", "The outside-reference policy '"
                    + request.outsideReferences().code() + "' reads stored resources, and this store has no "
                    + "ResourceReader", "outsideReferences");
        }
        if (request.sharedResources() != SharedResourcePolicy.DELETE && storage.reader() == null) {
            throw InvalidRequestException.badRequest("not-supported", "The shared-resource policy 'keep' reads "
                    + "stored resources, and this store has no ResourceReader", "sharedResources");
        }
        if (request.outsideReferences() == OutsideReferencePolicy.REMOVE_REFERENCES && storage.writer() == null) {
            throw InvalidRequestException.badRequest("not-supported", "The outside-reference policy "
                    + "'remove-references' writes new versions of the referrers, and this store has no "
                    + "ResourceWriter", "outsideReferences");
        }
        String jobId = JobIds.next(clock);
        Instant now = clock.instant();
        List<TaskRecord> tasks = new ArrayList<>(patientIds.size());
        for (int i = 0; i < patientIds.size(); i++) {
            tasks.add(TaskRecord.newTask(jobId + "-" + i, jobId, i, patientIds.get(i), now));
        }
        Map<String, String> parameters = new java.util.TreeMap<>();
        if (request.reason() != null) {
            parameters.put(JobParameters.REASON, request.reason());
        }
        if (request.outsideReferences() != OutsideReferencePolicy.LEAVE) {
            parameters.put(JobParameters.OUTSIDE_REFERENCES, request.outsideReferences().code());
        }
        if (request.sharedResources() != SharedResourcePolicy.DELETE) {
            parameters.put(JobParameters.SHARED_RESOURCES, request.sharedResources().code());
        }
        storage.jobs().create(new JobRecord(jobId, JobKind.PATIENT_PURGE, now, request.requestedBy(), parameters),
                tasks);
        LOG.info("job {}: patient purge of {} patients submitted by {}", jobId, patientIds.size(),
                request.requestedBy() == null ? "unknown" : request.requestedBy());
        engine.wakeUp();
        return jobId;
    }

    /**
     * Submits a purge of one patient's compartment ({@code Patient/[id]/$purge}).
     *
     * @param patientId the patient id
     * @param requestedBy who asks, or {@code null}
     * @return the new job's id
     * @throws InvalidRequestException when the id breaks the FHIR id rule
     */
    public String submitPatientPurge(String patientId, String requestedBy) {
        return submitPatientPurge(new PurgeRequest(List.of(Objects.requireNonNull(patientId, "patientId")),
                requestedBy));
    }

    private List<String> validate(List<String> requested) {
        List<Issue> issues = new ArrayList<>();
        if (requested.isEmpty()) {
            issues.add(Issue.error("required", "At least one patient id is required", null));
        }
        Set<String> distinct = new LinkedHashSet<>();
        for (int i = 0; i < requested.size(); i++) {
            String id = requested.get(i);
            if (!FhirIds.isValid(id)) {
                issues.add(Issue.error("value", "Patient id #" + (i + 1) + " " + describe(id)
                        + " is not a valid FHIR id (1 to 64 of A-Z a-z 0-9 - .)", null));
            } else {
                distinct.add(id);
            }
        }
        if (distinct.size() > config.maxPatientsPerJob()) {
            issues.add(Issue.error("too-costly", "A purge job may name at most " + config.maxPatientsPerJob()
                    + " patients; this request names " + distinct.size(), null));
        }
        if (!issues.isEmpty()) {
            throw new InvalidRequestException(400, issues);
        }
        return List.copyOf(distinct);
    }

    private static String describe(String id) {
        if (id == null) {
            return "(none)";
        }
        String shown = id.length() > 80 ? id.substring(0, 80) + "..." : id;
        return "'" + shown + "'";
    }

    /**
     * Reads a patient purge job's status.
     *
     * @param jobId the job id
     * @return the status, empty when no patient purge job has this id
     */
    public Optional<PurgeJobStatus> findJob(String jobId) {
        return storage.jobs().findJob(jobId).filter(j -> j.kind() == JobKind.PATIENT_PURGE).map(this::statusOf);
    }

    /**
     * Reads a job's status.
     *
     * @param jobId the job id
     * @return the status
     * @throws JobNotFoundException when no patient purge job has this id
     */
    public PurgeJobStatus status(String jobId) {
        return findJob(jobId).orElseThrow(() -> new JobNotFoundException(jobId));
    }

    /**
     * Cancels a job: patients not yet started are cancelled at once, patients being purged stop at their next batch
     * boundary. What was purged stays purged and the counts say exactly what was. Cancelling a finished job changes
     * nothing.
     *
     * @param jobId the job id
     * @return the status right after the request
     * @throws JobNotFoundException when no patient purge job has this id
     */
    public PurgeJobStatus cancel(String jobId) {
        status(jobId);
        requestCancel(jobId);
        return status(jobId);
    }

    private void requestCancel(String jobId) {
        int changed = storage.jobs().requestCancel(jobId, clock.instant());
        LOG.info("job {}: cancel requested, {} tasks affected", jobId, changed);
    }

    /**
     * Forgets, now, the jobs that finished longer than {@link PurgeConfig#jobRetention()} ago: their statuses are
     * 404 from then on. A started service does this by itself every minute; this is for hosts that schedule it
     * themselves, or run only submit-only nodes.
     *
     * @return how many jobs were forgotten (0 when the retention is {@link Duration#ZERO}, keep forever)
     */
    public int forgetFinishedJobs() {
        return engine.forgetFinishedJobs();
    }

    /**
     * A dry run: what a purge of these patients would erase now, per patient and resource type, which of those
     * resources are also in another patient's compartment, and which resources outside the compartment reference
     * into it. Nothing is erased and no job is stored; the answer is computed now, on this thread, a page at a time
     * (memory stays bounded, time grows with the compartments).
     *
     * @param request the patients, validated as for {@link #submitPatientPurge(PurgeRequest)}
     * @return the report, one entry per distinct patient in request order
     * @throws InvalidRequestException (400) for invalid patient ids, too many patients, or a store that cannot read
     *                                 resources ({@code not-supported})
     */
    public DryRunReport dryRun(PurgeRequest request) {
        List<String> patientIds = validate(request.patientIds());
        if (storage.reader() == null) {
            throw InvalidRequestException.badRequest("not-supported", "A dry run reads the references of stored "
                    + "resources, and this store has no ResourceReader", null);
        }
        DryRun run = new DryRun(storage.finder(), storage.reader(), config.compartment(),
                engine.referenceExtractor(), config.batchSize());
        List<DryRunReport.Patient> patients = new ArrayList<>(patientIds.size());
        for (String id : patientIds) {
            patients.add(run.of(id));
        }
        LOG.info("dry run of {} patients: {} resources would be erased", patientIds.size(),
                patients.stream().mapToLong(DryRunReport.Patient::wouldEraseCount).sum());
        return new DryRunReport(patients);
    }

    /**
     * The write fence for a patient: whether a patient purge job has work left for this patient (the patient is
     * waiting or being purged), on any node. A host asks before a write into the patient's compartment and refuses
     * it while the answer is present; a write that slips through in between is still caught by the purge's final
     * sweep, so the fence keeps new data from being written only to be erased, and tells the writer why.
     *
     * <p>One indexed read of the job repository.
     *
     * @param patientId the patient id
     * @return the purge in progress, empty when the patient is not being purged
     */
    public Optional<PurgeInProgress> purgeInProgress(String patientId) {
        Objects.requireNonNull(patientId, "patientId");
        return storage.jobs().findActiveJob(JobKind.PATIENT_PURGE, patientId)
                .map(jobId -> new PurgeInProgress(patientId, jobId));
    }

    /**
     * The write fence for one write: the first patient, in reference order, whose compartment the written resource
     * is in (the patient resource itself, or a resource referencing the patient through a member parameter of the
     * configured compartment) and who is being purged.
     *
     * @param write the write, with its extracted references
     * @return the purge the write would run into, empty when it runs into none
     */
    public Optional<PurgeInProgress> purgeInProgressFor(ResourceWrite write) {
        Set<String> owners = config.compartment().ownersOf(write.key(), write.references());
        for (String owner : owners) {
            Optional<PurgeInProgress> running = purgeInProgress(owner);
            if (running.isPresent()) {
                return running;
            }
        }
        return Optional.empty();
    }

    /**
     * Counts the jobs that still have work (a patient new or being purged), on every node.
     *
     * @return the number of active jobs
     */
    public int countActiveJobs() {
        return storage.jobs().countActiveJobs();
    }

    /**
     * Lists jobs oldest first, a page at a time.
     *
     * @param afterJobId {@code null} for the first page, else the last job id of the previous page
     * @param limit      the page size, 1 to 1,000
     * @return at most {@code limit} job statuses, patient purges and bulk deletes alike
     */
    public List<JobStatus> listJobs(String afterJobId, int limit) {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be between 1 and 1000, was " + limit);
        }
        return storage.jobs().listJobs(afterJobId, limit).stream().map(this::anyStatusOf).toList();
    }

    /**
     * Reads any job's status, whatever its kind.
     *
     * @param jobId the job id
     * @return a {@link PurgeJobStatus} or a {@link BulkDeleteStatus}, empty when no job has this id
     */
    public Optional<JobStatus> findAnyJob(String jobId) {
        return storage.jobs().findJob(jobId).map(this::anyStatusOf);
    }

    private JobStatus anyStatusOf(JobRecord job) {
        return job.kind() == JobKind.BULK_DELETE ? bulkDeleteStatusOf(job) : statusOf(job);
    }

    /**
     * Waits until a job reaches a final state or the timeout passes. A job this node's workers end is seen at once
     * (a run ending here wakes the wait); for jobs other nodes run the job's open tasks are counted every 10 ms,
     * backing off to 250 ms. The whole status is read when none is left, and once more when the timeout passes.
     *
     * @param jobId   the job id
     * @param timeout the longest wait
     * @return the status (final unless the timeout passed)
     * @throws JobNotFoundException when no patient purge job has this id
     * @throws InterruptedException when interrupted
     */
    public PurgeJobStatus awaitTermination(String jobId, Duration timeout) throws InterruptedException {
        return await(jobId, timeout, this::status);
    }

    /**
     * Waits for a job's status to be final. The status (every task of the job) is read at the start, when the job
     * has no open task left ({@link com.fhirpurge.spi.JobRepository#countOpenTasks}, one counting query) and at the
     * timeout. The count is taken again soon after a run ends on this node, so a job this node's workers finish is
     * seen at once, and at least every 10 ms doubling to 250 ms for jobs other nodes work on. Counts are spaced by
     * four times what the last one took, so a job of many patients ending one by one costs its waiter at most a fifth
     * of a thread.
     */
    private <S extends JobStatus> S await(String jobId, Duration timeout, java.util.function.Function<String, S> read)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMillis = 10;
        long seen = engine.runsEnded();
        S status = read.apply(jobId);
        long countNanos = 0;
        long countedAt = System.nanoTime();
        while (!status.isFinished()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return read.apply(jobId);
            }
            engine.awaitRunEnd(seen, Duration.ofNanos(Math.min(left, Duration.ofMillis(pauseMillis).toNanos())));
            if (engine.runsEnded() != seen) {
                pauseMillis = 10;
                long spacing = 4 * countNanos - (System.nanoTime() - countedAt);
                TimeUnit.NANOSECONDS.sleep(Math.min(spacing, deadline - System.nanoTime()));
            } else {
                pauseMillis = Math.min(250, pauseMillis * 2);
            }
            seen = engine.runsEnded();
            long start = System.nanoTime();
            int open = storage.jobs().countOpenTasks(jobId);
            countedAt = System.nanoTime();
            countNanos = countedAt - start;
            if (open == 0) {
                status = read.apply(jobId);
            }
        }
        return status;
    }

    // ------------------------------------------------------------------------------------------ bulk delete

    /**
     * Submits a bulk delete. The query is validated against HAPI's R4 search parameters and against what the
     * store's {@link com.fhirpurge.spi.ResourceSearcher} supports before anything is stored; a refused request
     * touches nothing. The job's creation time is its snapshot: only resources last updated at or before it are
     * deleted. One task per resource type in scope runs on any node's workers.
     *
     * @param request the scope, the query and the requester
     * @return the new job's id
     * @throws InvalidRequestException (400) naming every unknown type or parameter, unsupported modifier, malformed
     *                                 value, or criterion the store cannot answer; also when the store cannot
     *                                 search at all
     */
    public String submitBulkDelete(BulkDeleteRequest request) {
        BulkDeleteRequestParser.Parsed parsed = validateBulkDelete(request);
        String jobId = JobIds.next(clock);
        Instant now = clock.instant();
        List<TaskRecord> tasks = new ArrayList<>(parsed.searches().size());
        for (int i = 0; i < parsed.searches().size(); i++) {
            tasks.add(TaskRecord.newTask(jobId + "-" + i, jobId, i, parsed.searches().get(i).resourceType(), now));
        }
        storage.jobs().create(new JobRecord(jobId, JobKind.BULK_DELETE, now, request.requestedBy(),
                BulkDeleteJobs.parameters(request, parsed.mode())), tasks);
        LOG.info("job {}: bulk delete ({}) of {} submitted by {}", jobId, parsed.mode(),
                request.resourceType() == null ? tasks.size() + " resource types" : request.resourceType(),
                request.requestedBy() == null ? "unknown" : request.requestedBy());
        engine.wakeUp();
        return jobId;
    }

    /**
     * Validates a bulk delete as {@link #submitBulkDelete(BulkDeleteRequest)} does, without submitting it.
     *
     * @param request the scope, the query and the requester
     * @return the parsed request: the mode and one search per resource type in scope
     * @throws InvalidRequestException as {@link #submitBulkDelete(BulkDeleteRequest)} does
     */
    public BulkDeleteRequestParser.Parsed validateBulkDelete(BulkDeleteRequest request) {
        BulkDeleteRequestParser.Parsed parsed = bulkDeleteParser.parse(request.resourceType(), request.query());
        if (storage.searcher() == null) {
            throw InvalidRequestException.badRequest("not-supported", "Bulk delete is not available: this server's "
                    + "store cannot search", null);
        }
        List<Issue> unsupported = BulkDeleteJobs.unsupported(parsed.searches(), storage.searcher().support());
        if (!unsupported.isEmpty()) {
            throw new InvalidRequestException(400, unsupported);
        }
        return parsed;
    }

    /**
     * Reads a bulk delete job's status.
     *
     * @param jobId the job id
     * @return the status, empty when no bulk delete job has this id
     */
    public Optional<BulkDeleteStatus> findBulkDelete(String jobId) {
        return storage.jobs().findJob(jobId).filter(j -> j.kind() == JobKind.BULK_DELETE)
                .map(this::bulkDeleteStatusOf);
    }

    /**
     * Reads a bulk delete job's status.
     *
     * @param jobId the job id
     * @return the status
     * @throws JobNotFoundException when no bulk delete job has this id
     */
    public BulkDeleteStatus bulkDeleteStatus(String jobId) {
        return findBulkDelete(jobId).orElseThrow(() -> new JobNotFoundException(jobId));
    }

    /**
     * Cancels a bulk delete: types not yet started are cancelled at once, types being deleted stop at their next
     * batch boundary. Nothing deleted is restored; the counts say exactly what was deleted. Cancelling a finished
     * job changes nothing.
     *
     * @param jobId the job id
     * @return the status right after the request
     * @throws JobNotFoundException when no bulk delete job has this id
     */
    public BulkDeleteStatus cancelBulkDelete(String jobId) {
        bulkDeleteStatus(jobId);
        requestCancel(jobId);
        return bulkDeleteStatus(jobId);
    }

    /**
     * Waits until a bulk delete reaches a final state or the timeout passes, as {@link #awaitTermination} does.
     *
     * @param jobId   the job id
     * @param timeout the longest wait
     * @return the status (final unless the timeout passed)
     * @throws JobNotFoundException when no bulk delete job has this id
     * @throws InterruptedException when interrupted
     */
    public BulkDeleteStatus awaitBulkDelete(String jobId, Duration timeout) throws InterruptedException {
        return await(jobId, timeout, this::bulkDeleteStatus);
    }

    private BulkDeleteStatus bulkDeleteStatusOf(JobRecord job) {
        List<TaskRecord> tasks = storage.jobs().findTasks(job.jobId());
        List<ResourceTypeStatus> types = tasks.stream().map(t -> new ResourceTypeStatus(t.target(), t.state(),
                t.updatedAt(), t.progress().totalCount(), t.progress().erasedCount(), t.errorReason())).toList();
        String mode = job.parameters().get(BulkDeleteJobs.MODE);
        return new BulkDeleteStatus(job.jobId(), jobState(tasks), job.createdAt(), lastChange(job, tasks),
                job.requestedBy(), job.parameters().get(BulkDeleteJobs.RESOURCE_TYPE),
                mode == null ? EraseMode.SOFT_DELETE : EraseMode.valueOf(mode), types);
    }

    private PurgeJobStatus statusOf(JobRecord job) {
        List<TaskRecord> tasks = storage.jobs().findTasks(job.jobId());
        List<PatientStatus> patients = tasks.stream().map(t -> new PatientStatus(t.target(), t.state(),
                t.updatedAt(), t.progress().totalCount(), t.progress().erasedCount(), t.progress().erasedByType(),
                t.errorReason(), t.progress().keptCount(), t.progress().kept())).toList();
        return new PurgeJobStatus(job.jobId(), job.kind(), jobState(tasks), job.createdAt(), lastChange(job, tasks),
                job.requestedBy(), patients);
    }

    private static TaskState jobState(List<TaskRecord> tasks) {
        return TaskStateMachine.jobState(tasks.stream().map(TaskRecord::state).toList());
    }

    /** The latest change of any task, or the job's creation. */
    private static Instant lastChange(JobRecord job, List<TaskRecord> tasks) {
        Instant updatedAt = job.createdAt();
        for (TaskRecord t : tasks) {
            if (t.updatedAt().isAfter(updatedAt)) {
                updatedAt = t.updatedAt();
            }
        }
        return updatedAt;
    }

    /**
     * Stops this node's workers: they finish their current batch, checkpoint and release their leases, then the
     * heartbeat stops. Jobs continue on other nodes, or here after a restart. Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    /** Builds a {@link PurgeService}; not thread-safe. */
    public static final class Builder {
        private final PurgeStorage storage;
        private PurgeConfig config;
        private InstantSource clock = InstantSource.system();

        private Builder(PurgeStorage storage) {
            this.storage = Objects.requireNonNull(storage, "storage");
        }

        /**
         * Sets the configuration; default {@link PurgeConfig#defaults()}.
         *
         * @param config the configuration
         * @return this
         */
        public Builder config(PurgeConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * Sets the time source; default the system clock.
         *
         * @param clock the time source
         * @return this
         */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Builds the service (not started).
         *
         * @return the service
         */
        public PurgeService build() {
            return new PurgeService(storage, config != null ? config : PurgeConfig.defaults(), clock);
        }
    }
}
