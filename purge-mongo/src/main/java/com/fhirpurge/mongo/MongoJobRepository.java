package com.fhirpurge.mongo;

import com.fhirpurge.mongo.internal.MongoCalls;
import com.fhirpurge.spi.DuplicateJobException;
import com.fhirpurge.spi.JobKind;
import com.fhirpurge.spi.JobRecord;
import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.Lease;
import com.fhirpurge.spi.LeaseLostException;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.TaskControl;
import com.fhirpurge.spi.TaskProgress;
import com.fhirpurge.spi.TaskRecord;
import com.fhirpurge.spi.TaskState;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * Jobs, tasks and fenced leases in two collections, {@code <prefix>jobs} and {@code <prefix>tasks}; call
 * {@link #ensureIndexes()} once at deployment.
 *
 * <p><b>Claims.</b> One {@code findOneAndUpdate} on the tasks: filtered on state {@code NEW}, or {@code PROCESSING}
 * with {@code leaseUntil <= now}; sorted by job creation time, job id and ordinal; {@code $inc} of the fence and the
 * new lease in the same single-document update, returning the document after it. MongoDB applies it atomically, so
 * two claimers never get the same task, and a claimer that loses the race simply gets the next one or nothing.
 *
 * <p><b>Fenced writes.</b> Heartbeat, checkpoint, finish and release are one {@code findOneAndUpdate} filtered on
 * task id, state {@code PROCESSING}, owner and fence; no match is a {@link LeaseLostException} and changes nothing.
 *
 * <p><b>Creating a job</b> never exposes a half-created job, without needing a transaction: (1) the job document is
 * inserted uncommitted, which also claims the id ({@code E11000} there is a {@link DuplicateJobException});
 * (2) the tasks are inserted in a state no claim selects; (3) the job is marked committed: the commit point, before
 * which the job is invisible to {@link #findJob}, {@link #findTasks} and {@link #listJobs}; (4) the tasks become
 * {@code NEW}. Tasks still between (3) and (4) are reported as {@code NEW} and are made claimable by the next
 * {@link #findTasks} of their job (the engine's status reads), so a crash at any point leaves either an invisible
 * job the caller was told failed, or a complete job. A failure in step (2) removes what (1) and (2) wrote.
 *
 * <p>Times are stored as epoch microseconds (64-bit integers), so instants round-trip to the microsecond.
 *
 * <p><b>Threading:</b> safe for concurrent use. <b>Errors:</b> {@link com.fhirpurge.spi.StoreException}.
 */
public final class MongoJobRepository implements JobRepository {

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,30}|");
    private static final String CREATING = "CREATING";
    private static final String ID = "_id";
    private static final String KIND = "kind";
    private static final String CREATED_AT = "createdAt";
    private static final String REQUESTED_BY = "requestedBy";
    private static final String PARAMETERS = "parameters";
    private static final String COMMITTED = "committed";
    private static final String JOB_ID = "jobId";
    private static final String ORDINAL = "ordinal";
    private static final String TARGET = "target";
    private static final String STATE = "state";
    private static final String OWNER = "owner";
    private static final String LEASE_UNTIL = "leaseUntil";
    private static final String FENCE = "fence";
    private static final String CANCEL_REQUESTED = "cancelRequested";
    private static final String ERROR_REASON = "errorReason";
    private static final String UPDATED_AT = "updatedAt";
    private static final String JOB_CREATED_AT = "jobCreatedAt";
    private static final String TOTAL = "total";
    private static final String ERASED = "erased";
    private static final String CURSOR = "cursor";
    private static final String PASS = "pass";
    private static final String PENDING = "pending";
    private static final String DIGEST = "erasedDigest";
    private static final String KEPT_COUNT = "keptCount";
    private static final String KEPT = "kept";
    private static final String KEY = "k";
    private static final String VALUE = "v";

    private final MongoCollection<Document> jobs;
    private final MongoCollection<Document> tasks;

    /**
     * Creates a repository.
     *
     * @param database the database
     * @param prefix   the collection name prefix, e.g. {@code fp_}: letters, digits and underscores, may be empty
     * @throws IllegalArgumentException when the prefix is invalid
     */
    public MongoJobRepository(MongoDatabase database, String prefix) {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(prefix, "prefix");
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("Invalid collection prefix '" + prefix + "'");
        }
        this.jobs = database.getCollection(prefix + "jobs");
        this.tasks = database.getCollection(prefix + "tasks");
    }

    /**
     * Creates the indexes of the claim query ({@code state, jobCreatedAt, jobId, ordinal}) and of task listing
     * ({@code jobId, ordinal}); idempotent.
     *
     * @throws com.fhirpurge.spi.StoreException when the server fails
     */
    public void ensureIndexes() {
        MongoCalls.call("ensure job indexes", () -> {
            tasks.createIndex(Indexes.ascending(STATE, JOB_CREATED_AT, JOB_ID, ORDINAL));
            tasks.createIndex(Indexes.ascending(JOB_ID, ORDINAL));
            tasks.createIndex(Indexes.ascending(TARGET, STATE));
            return null;
        });
    }

    @Override
    public void create(JobRecord job, List<TaskRecord> taskRecords) {
        for (TaskRecord t : taskRecords) {
            if (!t.jobId().equals(job.jobId()) || t.state() != TaskState.NEW) {
                throw new IllegalArgumentException("Task " + t.taskId() + " is not a new task of job " + job.jobId());
            }
        }
        MongoCalls.call("create job " + job.jobId(), () -> {
            List<Document> params = new ArrayList<>();
            new TreeMap<>(job.parameters()).forEach((k, v) -> params.add(new Document(KEY, k).append(VALUE, v)));
            try {
                jobs.insertOne(new Document(ID, job.jobId()).append(KIND, job.kind().name())
                        .append(CREATED_AT, MongoResourceStore.micros(job.createdAt()))
                        .append(REQUESTED_BY, job.requestedBy()).append(PARAMETERS, params)
                        .append(COMMITTED, false));
            } catch (MongoWriteException e) {
                if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                    throw new DuplicateJobException(job.jobId());
                }
                throw e;
            }
            if (!taskRecords.isEmpty()) {
                List<Document> docs = new ArrayList<>();
                for (TaskRecord t : taskRecords) {
                    docs.add(taskDocument(t, job.createdAt()));
                }
                try {
                    tasks.insertMany(docs);
                } catch (RuntimeException e) {
                    try {
                        tasks.deleteMany(Filters.and(Filters.eq(JOB_ID, job.jobId()), Filters.eq(STATE, CREATING)));
                        jobs.deleteOne(Filters.and(Filters.eq(ID, job.jobId()), Filters.eq(COMMITTED, false)));
                    } catch (RuntimeException cleanup) {
                        e.addSuppressed(cleanup);
                    }
                    throw e;
                }
            }
            try {
                jobs.updateOne(Filters.eq(ID, job.jobId()), Updates.set(COMMITTED, true));
                releaseTasks(job.jobId());
            } catch (RuntimeException e) {
                settleCreation(job.jobId(), e);
            }
            return null;
        });
    }

    private void releaseTasks(String jobId) {
        tasks.updateMany(Filters.and(Filters.eq(JOB_ID, jobId), Filters.eq(STATE, CREATING)),
                Updates.set(STATE, TaskState.NEW.name()));
    }

    /**
     * The commit flag or the task release failed, or its reply was lost: read the job back. If the commit took,
     * finish the release and report success (the job exists and runs); if not, remove the hidden job and its tasks
     * and report the failure, so a retried submit starts clean and nothing half-made is left behind.
     */
    private void settleCreation(String jobId, RuntimeException failure) {
        try {
            Document stored = jobs.find(Filters.eq(ID, jobId)).first();
            if (stored != null && Boolean.TRUE.equals(stored.getBoolean(COMMITTED))) {
                releaseTasks(jobId);
                return;
            }
            tasks.deleteMany(Filters.and(Filters.eq(JOB_ID, jobId), Filters.eq(STATE, CREATING)));
            jobs.deleteOne(Filters.and(Filters.eq(ID, jobId), Filters.eq(COMMITTED, false)));
        } catch (RuntimeException again) {
            failure.addSuppressed(again);
        }
        throw failure;
    }

    private static Document taskDocument(TaskRecord t, Instant jobCreatedAt) {
        Document d = new Document(ID, t.taskId()).append(JOB_ID, t.jobId()).append(ORDINAL, t.ordinal())
                .append(TARGET, t.target()).append(STATE, CREATING)
                .append(OWNER, t.lease() == null ? null : t.lease().owner())
                .append(LEASE_UNTIL, t.lease() == null ? null : MongoResourceStore.micros(t.lease().until()))
                .append(FENCE, t.lease() == null ? 0L : t.lease().fence())
                .append(CANCEL_REQUESTED, t.cancelRequested()).append(ERROR_REASON, t.errorReason())
                .append(UPDATED_AT, MongoResourceStore.micros(t.updatedAt()))
                .append(JOB_CREATED_AT, MongoResourceStore.micros(jobCreatedAt));
        progressFields(t.progress()).forEach(d::append);
        return d;
    }

    private static Map<String, Object> progressFields(TaskProgress p) {
        List<Document> erased = new ArrayList<>();
        p.erasedByType().forEach((type, n) -> erased.add(new Document(KEY, type).append(VALUE, n)));
        List<Document> pending = keyDocuments(p.pending());
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put(TOTAL, p.totalCount());
        fields.put(ERASED, erased);
        fields.put(CURSOR, p.cursor());
        fields.put(PASS, p.pass());
        fields.put(PENDING, pending);
        fields.put(DIGEST, p.erasedDigest());
        fields.put(KEPT_COUNT, p.keptCount());
        fields.put(KEPT, keyDocuments(p.kept()));
        return fields;
    }

    private static List<Document> keyDocuments(List<ResourceKey> keys) {
        List<Document> docs = new ArrayList<>(keys.size());
        for (ResourceKey k : keys) {
            docs.add(new Document(KEY, k.type()).append(VALUE, k.id()));
        }
        return docs;
    }

    private static List<ResourceKey> keysOf(Document d, String field) {
        List<ResourceKey> keys = new ArrayList<>();
        for (Document k : d.getList(field, Document.class, List.of())) {
            keys.add(ResourceKey.of(k.getString(KEY), k.getString(VALUE)));
        }
        return keys;
    }

    private static List<Bson> progressUpdates(TaskProgress p, Instant now) {
        List<Bson> updates = new ArrayList<>();
        progressFields(p).forEach((field, value) -> updates.add(Updates.set(field, value)));
        updates.add(Updates.set(UPDATED_AT, MongoResourceStore.micros(now)));
        return updates;
    }

    @Override
    public Optional<JobRecord> findJob(String jobId) {
        return MongoCalls.call("find job " + jobId, () -> {
            Document d = jobs.find(Filters.and(Filters.eq(ID, jobId), Filters.eq(COMMITTED, true))).first();
            return Optional.ofNullable(d).map(MongoJobRepository::toJob);
        });
    }

    @Override
    public List<JobRecord> listJobs(String afterJobId, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1");
        }
        return MongoCalls.call("list jobs", () -> {
            Bson filter = Filters.eq(COMMITTED, true);
            if (afterJobId != null) {
                filter = Filters.and(filter, Filters.gt(ID, afterJobId));
            }
            List<JobRecord> result = new ArrayList<>();
            for (Document d : jobs.find(filter).sort(Sorts.ascending(ID)).limit(limit)) {
                result.add(toJob(d));
            }
            return result;
        });
    }

    private static JobRecord toJob(Document d) {
        Map<String, String> params = new LinkedHashMap<>();
        for (Document p : d.getList(PARAMETERS, Document.class, List.of())) {
            params.put(p.getString(KEY), p.getString(VALUE));
        }
        return new JobRecord(d.getString(ID), JobKind.valueOf(d.getString(KIND)),
                MongoResourceStore.instant(number(d, CREATED_AT)), d.getString(REQUESTED_BY), params);
    }

    @Override
    public List<TaskRecord> findTasks(String jobId) {
        return MongoCalls.call("find tasks of job " + jobId, () -> {
            if (jobs.find(Filters.and(Filters.eq(ID, jobId), Filters.eq(COMMITTED, true)))
                    .projection(Projections.include(ID)).first() == null) {
                return List.of();
            }
            List<TaskRecord> result = new ArrayList<>();
            boolean creating = false;
            for (Document d : tasks.find(Filters.eq(JOB_ID, jobId)).sort(Sorts.ascending(ORDINAL))) {
                creating |= CREATING.equals(d.getString(STATE));
                result.add(toTask(d));
            }
            if (creating) {
                // The job is committed: finish its creation (step 4), which a crash interrupted.
                tasks.updateMany(Filters.and(Filters.eq(JOB_ID, jobId), Filters.eq(STATE, CREATING)),
                        Updates.set(STATE, TaskState.NEW.name()));
            }
            return result;
        });
    }

    @Override
    public int countOpenTasks(String jobId) {
        return MongoCalls.call("count the open tasks of job " + jobId, () -> (int) tasks.countDocuments(Filters.and(
                Filters.eq(JOB_ID, jobId), Filters.in(STATE, TaskState.NEW.name(), TaskState.PROCESSING.name()))));
    }

    @Override
    public int countActiveJobs() {
        return MongoCalls.call("count active jobs", () -> {
            int n = 0;
            for (String ignored : tasks.distinct(JOB_ID, Filters.in(STATE, TaskState.NEW.name(),
                    TaskState.PROCESSING.name()), String.class)) {
                n++;
            }
            return n;
        });
    }

    /** The active tasks for the target (a handful at most), each job's kind checked, smallest job id first. */
    @Override
    public Optional<String> findActiveJob(JobKind kind, String target) {
        return MongoCalls.call("find an active job for " + target, () -> {
            List<String> jobIds = new ArrayList<>();
            tasks.find(Filters.and(Filters.eq(TARGET, target), Filters.in(STATE, TaskState.NEW.name(),
                    TaskState.PROCESSING.name()))).projection(Projections.include(JOB_ID))
                    .forEach(d -> jobIds.add(d.getString(JOB_ID)));
            if (jobIds.isEmpty()) {
                return Optional.<String>empty();
            }
            Document first = jobs.find(Filters.and(Filters.in(ID, jobIds), Filters.eq(KIND, kind.name()),
                    Filters.eq(COMMITTED, true))).projection(Projections.include(ID)).sort(Sorts.ascending(ID))
                    .first();
            return Optional.ofNullable(first).map(d -> d.getString(ID));
        });
    }

    @Override
    public Optional<TaskRecord> claim(String owner, Instant now, Instant leaseUntil) {
        Objects.requireNonNull(owner, "owner");
        long nowMicros = MongoResourceStore.micros(now);
        Bson runnable = Filters.or(Filters.eq(STATE, TaskState.NEW.name()),
                Filters.and(Filters.eq(STATE, TaskState.PROCESSING.name()), Filters.lte(LEASE_UNTIL, nowMicros)));
        Bson lease = Updates.combine(Updates.set(STATE, TaskState.PROCESSING.name()), Updates.set(OWNER, owner),
                Updates.set(LEASE_UNTIL, MongoResourceStore.micros(leaseUntil)), Updates.set(ERROR_REASON, null),
                Updates.set(UPDATED_AT, nowMicros), Updates.inc(FENCE, 1L));
        return MongoCalls.call("claim a task", () -> Optional.ofNullable(tasks.findOneAndUpdate(runnable, lease,
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)
                        .sort(Sorts.ascending(JOB_CREATED_AT, JOB_ID, ORDINAL))))
                .map(MongoJobRepository::toTask));
    }

    @Override
    public TaskControl heartbeat(String taskId, Lease lease, Instant newUntil, Instant now) {
        return fenced("heartbeat", taskId, lease,
                List.of(Updates.set(LEASE_UNTIL, MongoResourceStore.micros(newUntil))));
    }

    @Override
    public TaskControl checkpoint(String taskId, Lease lease, TaskProgress progress, Instant now) {
        return fenced("checkpoint", taskId, lease, progressUpdates(progress, now));
    }

    @Override
    public void finish(String taskId, Lease lease, TaskState finalState, TaskProgress progress, String errorReason,
                       Instant now) {
        if (finalState != TaskState.COMPLETED && finalState != TaskState.ERROR && finalState != TaskState.CANCELLED) {
            throw new IllegalArgumentException("Not a final state: " + finalState);
        }
        List<Bson> updates = progressUpdates(progress, now);
        updates.add(Updates.set(STATE, finalState.name()));
        updates.add(Updates.set(ERROR_REASON, errorReason));
        fenced("finish", taskId, lease, updates);
    }

    @Override
    public void release(String taskId, Lease lease, Instant now) {
        fenced("release", taskId, lease, List.of(Updates.set(LEASE_UNTIL, MongoResourceStore.micros(now))));
    }

    private TaskControl fenced(String what, String taskId, Lease lease, List<Bson> updates) {
        Bson guard = Filters.and(Filters.eq(ID, taskId), Filters.eq(STATE, TaskState.PROCESSING.name()),
                Filters.eq(OWNER, lease.owner()), Filters.eq(FENCE, lease.fence()));
        Document after = MongoCalls.call(what + " of task " + taskId, () -> tasks.findOneAndUpdate(guard,
                Updates.combine(updates), new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)
                        .projection(Projections.include(CANCEL_REQUESTED))));
        if (after == null) {
            throw new LeaseLostException(taskId, lease.owner(), lease.fence());
        }
        return Boolean.TRUE.equals(after.getBoolean(CANCEL_REQUESTED))
                ? TaskControl.CANCEL_REQUESTED : TaskControl.CONTINUE;
    }

    @Override
    public int requestCancel(String jobId, Instant now) {
        long at = MongoResourceStore.micros(now);
        return MongoCalls.call("cancel job " + jobId, () -> {
            long changed = tasks.updateMany(Filters.and(Filters.eq(JOB_ID, jobId),
                    Filters.eq(STATE, TaskState.NEW.name())), Updates.combine(
                    Updates.set(STATE, TaskState.CANCELLED.name()), Updates.set(UPDATED_AT, at))).getModifiedCount();
            changed += tasks.updateMany(Filters.and(Filters.eq(JOB_ID, jobId),
                    Filters.eq(STATE, TaskState.PROCESSING.name()), Filters.eq(CANCEL_REQUESTED, false)),
                    Updates.combine(Updates.set(CANCEL_REQUESTED, true), Updates.set(UPDATED_AT, at)))
                    .getModifiedCount();
            return (int) changed;
        });
    }

    private static TaskRecord toTask(Document d) {
        String owner = d.getString(OWNER);
        Lease lease = owner == null ? null
                : new Lease(owner, MongoResourceStore.instant(number(d, LEASE_UNTIL)), number(d, FENCE));
        Map<String, Long> erased = new TreeMap<>();
        for (Document e : d.getList(ERASED, Document.class, List.of())) {
            erased.put(e.getString(KEY), number(e, VALUE));
        }
        List<ResourceKey> pending = keysOf(d, PENDING);
        Object total = d.get(TOTAL);
        TaskProgress progress = new TaskProgress(total == null ? null : ((Number) total).longValue(), erased,
                d.getString(CURSOR), (int) number(d, PASS), pending, d.getString(DIGEST),
                d.get(KEPT_COUNT) == null ? 0 : number(d, KEPT_COUNT), keysOf(d, KEPT));
        String state = d.getString(STATE);
        return new TaskRecord(d.getString(ID), d.getString(JOB_ID), (int) number(d, ORDINAL), d.getString(TARGET),
                CREATING.equals(state) ? TaskState.NEW : TaskState.valueOf(state), lease, progress,
                Boolean.TRUE.equals(d.getBoolean(CANCEL_REQUESTED)), d.getString(ERROR_REASON),
                MongoResourceStore.instant(number(d, UPDATED_AT)));
    }

    private static long number(Document d, String field) {
        return ((Number) d.get(field)).longValue();
    }

    @Override
    public int forgetFinished(Instant cutoff, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        long cutoffMicros = MongoResourceStore.micros(cutoff);
        return MongoCalls.call("forget finished jobs", () -> {
            // streams the old tasks' job ids in order; each candidate is checked for work left or a recent change
            List<String> forgotten = new ArrayList<>();
            String previous = null;
            for (Document d : tasks.find(Filters.lt(UPDATED_AT, cutoffMicros)).projection(Projections.include(JOB_ID))
                    .sort(Sorts.ascending(JOB_ID))) {
                String jobId = d.getString(JOB_ID);
                if (jobId.equals(previous)) {
                    continue;
                }
                previous = jobId;
                boolean keep = tasks.countDocuments(Filters.and(Filters.eq(JOB_ID, jobId), Filters.or(
                        Filters.in(STATE, TaskState.NEW.name(), TaskState.PROCESSING.name()),
                        Filters.gte(UPDATED_AT, cutoffMicros)))) > 0;
                if (!keep) {
                    forgotten.add(jobId);
                    if (forgotten.size() == limit) {
                        break;
                    }
                }
            }
            if (!forgotten.isEmpty()) {
                // the job first: a job without its document is invisible, so a crash in between leaves no half job
                jobs.deleteMany(Filters.in(ID, forgotten));
                tasks.deleteMany(Filters.in(JOB_ID, forgotten));
            }
            return forgotten.size();
        });
    }
}
