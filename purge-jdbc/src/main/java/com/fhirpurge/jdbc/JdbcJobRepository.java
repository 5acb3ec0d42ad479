package com.fhirpurge.jdbc;

import com.fhirpurge.jdbc.internal.Sql;
import com.fhirpurge.spi.DuplicateJobException;
import com.fhirpurge.spi.JobKind;
import com.fhirpurge.spi.JobRecord;
import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.Lease;
import com.fhirpurge.spi.LeaseLostException;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceKeys;
import com.fhirpurge.spi.TaskControl;
import com.fhirpurge.spi.TaskProgress;
import com.fhirpurge.spi.TaskRecord;
import com.fhirpurge.spi.TaskState;
import com.fhirpurge.spi.TaskUpdate;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Jobs, tasks and fenced leases in two tables ({@code <prefix>job}, {@code <prefix>task}; create them with
 * {@link JdbcSchema#createJobSchema}).
 *
 * <p><b>Claims.</b> Where the database has {@code SKIP LOCKED} (PostgreSQL, MariaDB 10.6+, MySQL 8+), a claim
 * locks the oldest runnable task rows, skipping rows other nodes are claiming, and updates them in the same
 * transaction: claimers never wait on each other, and each locks only the rows it claims (and, after a crash, a
 * few more whose lease has ended). Elsewhere (H2) a claim reads a few candidates and takes the first
 * whose {@code fence} is unchanged with one guarded {@code UPDATE ... WHERE fence = ?}; zero rows updated means
 * another node won that task, not an error.
 *
 * <p><b>Fenced writes.</b> Heartbeat, checkpoint, finish and release are one {@code UPDATE} guarded by task id,
 * state {@code PROCESSING}, owner and fence; zero rows updated is a {@link LeaseLostException}. {@link #writeAll}
 * makes a group's writes in one transaction and answers a lost lease per write instead.
 *
 * <p>Times are stored as epoch microseconds (UTC), so no session or JVM time zone is ever involved; instants are
 * kept to the microsecond.
 *
 * <p><b>Threading:</b> safe for concurrent use. <b>Errors:</b> {@link com.fhirpurge.spi.StoreException}.
 */
public final class JdbcJobRepository implements JobRepository {

    private static final String COLUMNS = "task_id, job_id, ordinal, target, state, lease_owner, lease_until, fence, "
            + "cancel_requested, error_reason, updated_at, total_count, erased_by_type, page_token, pass, pending, "
            + "erased_digest, kept_count, kept";
    private static final int CANDIDATES = 8;
    /**
     * A claim's isolation, whatever the pool's default: the locking reads take no gap locks. Under MariaDB's and
     * MySQL's default, REPEATABLE READ, the read of tasks whose lease has ended locks the gap its range ends in, where
     * the other claimers' leases go; two claims then wait on each other or deadlock.
     */
    private static final String READ_COMMITTED = "SET TRANSACTION ISOLATION LEVEL READ COMMITTED";

    private final Sql sql;
    private final JdbcDialect dialect;
    private final String job;
    private final String task;
    private final String taskColumns;
    private final String runnable;
    private final String claimOrder;

    /**
     * Creates a repository.
     *
     * @param dataSource the database
     * @param dialect    its dialect
     * @param prefix     the table prefix used with {@link JdbcSchema#createJobSchema}
     */
    public JdbcJobRepository(DataSource dataSource, JdbcDialect dialect, String prefix) {
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.sql = new Sql(Objects.requireNonNull(dataSource, "dataSource"), dialect);
        String p = JdbcLayout.requirePrefix(prefix);
        this.job = dialect.quote(p + "job");
        this.task = dialect.quote(p + "task");
        List<String> quoted = new ArrayList<>();
        for (String column : COLUMNS.split(", ")) {
            quoted.add(q(column));
        }
        this.taskColumns = String.join(", ", quoted);
        this.runnable = "(" + q("state") + " = 'NEW' OR (" + q("state") + " = 'PROCESSING' AND " + q("lease_until")
                + " <= ?))";
        this.claimOrder = q("job_created_at") + ", " + q("job_id") + ", " + q("ordinal");
    }

    /**
     * Creates a repository, detecting the dialect.
     *
     * @param dataSource the database
     * @param prefix     the table prefix
     * @return the repository
     */
    public static JdbcJobRepository create(DataSource dataSource, String prefix) {
        return new JdbcJobRepository(dataSource, JdbcDialects.detect(dataSource), prefix);
    }

    private String q(String column) {
        return dialect.quote(column);
    }

    @Override
    public void create(JobRecord jobRecord, List<TaskRecord> tasks) {
        sql.inTransaction("create job " + jobRecord.jobId(), c -> {
            String insertJob = "INSERT INTO " + job + " (" + q("job_id") + ", " + q("kind") + ", " + q("created_at")
                    + ", " + q("requested_by") + ", " + q("parameters") + ") VALUES (?, ?, ?, ?, ?)";
            try (PreparedStatement ps = c.prepareStatement(insertJob)) {
                ps.setString(1, jobRecord.jobId());
                ps.setString(2, jobRecord.kind().name());
                ps.setLong(3, JdbcResourceStore.micros(jobRecord.createdAt()));
                ps.setString(4, jobRecord.requestedBy());
                ps.setString(5, encodeMap(jobRecord.parameters()));
                ps.executeUpdate();
            } catch (SQLException e) {
                if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                    throw new DuplicateJobException(jobRecord.jobId());
                }
                throw e;
            }
            String insertTask = "INSERT INTO " + task + " (" + taskColumns + ", " + q("job_created_at")
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
            try (PreparedStatement ps = c.prepareStatement(insertTask)) {
                for (TaskRecord t : tasks) {
                    if (!t.jobId().equals(jobRecord.jobId()) || t.state() != TaskState.NEW) {
                        throw new IllegalArgumentException("Task " + t.taskId() + " is not a new task of job "
                                + jobRecord.jobId());
                    }
                    bindTask(ps, t);
                    ps.setLong(20, JdbcResourceStore.micros(jobRecord.createdAt()));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    private void bindTask(PreparedStatement ps, TaskRecord t) throws SQLException {
        ps.setString(1, t.taskId());
        ps.setString(2, t.jobId());
        ps.setInt(3, t.ordinal());
        ps.setString(4, t.target());
        ps.setString(5, t.state().name());
        ps.setString(6, t.lease() == null ? null : t.lease().owner());
        setNullableLong(ps, 7, t.lease() == null ? null : JdbcResourceStore.micros(t.lease().until()));
        ps.setLong(8, t.lease() == null ? 0 : t.lease().fence());
        ps.setBoolean(9, t.cancelRequested());
        ps.setString(10, t.errorReason());
        ps.setLong(11, JdbcResourceStore.micros(t.updatedAt()));
        setNullableLong(ps, 12, t.progress().totalCount());
        ps.setString(13, encodeCounts(t.progress().erasedByType()));
        ps.setString(14, t.progress().cursor());
        ps.setInt(15, t.progress().pass());
        ps.setString(16, encodeKeys(t.progress().pending()));
        ps.setString(17, t.progress().erasedDigest());
        ps.setLong(18, t.progress().keptCount());
        ps.setString(19, encodeKeys(t.progress().kept()));
    }

    private static void setNullableLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    @Override
    public Optional<JobRecord> findJob(String jobId) {
        return sql.read("find job " + jobId, c -> {
            List<JobRecord> jobs = queryJobs(c, "SELECT " + q("job_id") + ", " + q("kind") + ", " + q("created_at")
                    + ", " + q("requested_by") + ", " + q("parameters") + " FROM " + job + " WHERE " + q("job_id")
                    + " = ?", jobId, null);
            return jobs.stream().findFirst();
        });
    }

    @Override
    public List<JobRecord> listJobs(String afterJobId, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1");
        }
        return sql.read("list jobs", c -> queryJobs(c, "SELECT " + q("job_id") + ", " + q("kind") + ", "
                + q("created_at") + ", " + q("requested_by") + ", " + q("parameters") + " FROM " + job
                + (afterJobId == null ? "" : " WHERE " + q("job_id") + " > ?") + " ORDER BY " + q("job_id")
                + dialect.limitClause(), afterJobId, limit));
    }

    private static List<JobRecord> queryJobs(Connection c, String s, String param, Integer limit)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(s)) {
            int i = 1;
            if (param != null) {
                ps.setString(i++, param);
            }
            if (limit != null) {
                ps.setInt(i, limit);
            }
            List<JobRecord> jobs = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    jobs.add(new JobRecord(rs.getString(1), JobKind.valueOf(rs.getString(2)),
                            JdbcResourceStore.instant(rs.getLong(3)), rs.getString(4), decodeMap(rs.getString(5))));
                }
            }
            return jobs;
        }
    }

    @Override
    public List<TaskRecord> findTasks(String jobId) {
        return sql.read("find tasks of job " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + taskColumns + " FROM " + task + " WHERE "
                    + q("job_id") + " = ? ORDER BY " + q("ordinal"))) {
                ps.setString(1, jobId);
                List<TaskRecord> tasks = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tasks.add(readTask(rs));
                    }
                }
                return tasks;
            }
        });
    }

    @Override
    public int countOpenTasks(String jobId) {
        return sql.read("count the open tasks of job " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + task + " WHERE " + q("job_id")
                    + " = ? AND " + q("state") + " IN ('NEW', 'PROCESSING')")) {
                ps.setString(1, jobId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    @Override
    public int countActiveJobs() {
        return sql.read("count active jobs", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(DISTINCT " + q("job_id") + ") FROM " + task
                    + " WHERE " + q("state") + " IN ('NEW', 'PROCESSING')");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    /** One query on the task target index, joined to the job for its kind. */
    @Override
    public Optional<String> findActiveJob(JobKind kind, String target) {
        return sql.read("find an active job for " + target, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT t." + q("job_id") + " FROM " + task + " t JOIN "
                    + job + " j ON j." + q("job_id") + " = t." + q("job_id") + " WHERE t." + q("target")
                    + " = ? AND t." + q("state") + " IN ('NEW', 'PROCESSING') AND j." + q("kind") + " = ? ORDER BY t."
                    + q("job_id") + dialect.limitClause())) {
                ps.setString(1, target);
                ps.setString(2, kind.name());
                ps.setInt(3, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public Optional<TaskRecord> claim(String owner, Instant now, Instant leaseUntil) {
        if (dialect.supportsSkipLocked()) {
            return claimUpTo(owner, now, leaseUntil, 1).stream().findFirst();
        }
        return sql.inTransaction("claim a task", c -> claimGuarded(c, owner, now, leaseUntil));
    }

    /**
     * With {@code SKIP LOCKED}, one transaction locks up to {@code limit} runnable rows and leases them all; else
     * the tasks are claimed one by one.
     */
    @Override
    public List<TaskRecord> claimUpTo(String owner, Instant now, Instant leaseUntil, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Limit must be at least 1, was " + limit);
        }
        if (!dialect.supportsSkipLocked()) {
            return JobRepository.super.claimUpTo(owner, now, leaseUntil, limit);
        }
        return sql.inTransaction("claim up to " + limit + " tasks", c -> {
            try (Statement s = c.createStatement()) {
                s.execute(READ_COMMITTED);
            }
            List<String> taskIds = lockRunnable(c, now, limit);
            if (taskIds.isEmpty()) {
                return List.of();
            }
            // The rows are locked and runnable, and every one takes the same lease: one update of them all (a
            // statement per task cost MariaDB 130-170 us each), then one read of them all.
            List<List<String>> chunks = ResourceKeys.chunks(taskIds, dialect.maxInListSize());
            for (List<String> chunk : chunks) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + task + " SET " + leaseAssignments()
                        + " WHERE " + dialect.inPredicate(q("task_id"), chunk.size()) + " AND " + runnable)) {
                    int i = dialect.bindIn(c, ps, bindLease(ps, owner, now, leaseUntil), chunk);
                    ps.setLong(i, JdbcResourceStore.micros(now));
                    ps.executeUpdate();
                }
            }
            Map<String, TaskRecord> read = new HashMap<>();
            for (List<String> chunk : chunks) {
                try (PreparedStatement ps = c.prepareStatement("SELECT " + taskColumns + " FROM " + task + " WHERE "
                        + dialect.inPredicate(q("task_id"), chunk.size()))) {
                    dialect.bindIn(c, ps, 1, chunk);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            TaskRecord t = readTask(rs);
                            read.put(t.taskId(), t);
                        }
                    }
                }
            }
            return taskIds.stream().map(read::get).toList();
        });
    }

    /**
     * Locks the first {@code limit} runnable tasks in claim order that no other transaction holds, and returns their
     * ids in that order. Two locking reads, each in claim order with its own limit: tasks whose lease has ended (few;
     * they are left by a crash or an early release), then new tasks; the first {@code limit} of both are claimed.
     * One read of both kinds ({@code state = 'NEW' OR ...}) cannot be served by an index in claim order, and MariaDB
     * and MySQL lock every row they read, before the sort and the limit: such a claim locked every runnable task, so
     * another node's claim found none until it committed. Read by {@code state = 'NEW'} alone, the task table's
     * {@code task_claim} index yields the rows in claim order and the read stops at the limit.
     */
    private List<String> lockRunnable(Connection c, Instant now, int limit) throws SQLException {
        List<Candidate> candidates = new ArrayList<>();
        lockCandidates(c, q("state") + " = 'PROCESSING' AND " + q("lease_until") + " <= ?",
                JdbcResourceStore.micros(now), limit, candidates);
        lockCandidates(c, q("state") + " = 'NEW'", null, limit, candidates);
        candidates.sort(Candidate.CLAIM_ORDER);
        return candidates.stream().limit(limit).map(Candidate::taskId).toList();
    }

    private void lockCandidates(Connection c, String where, Long leaseEnded, int limit, List<Candidate> into)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + q("task_id") + ", " + q("job_created_at") + ", "
                + q("job_id") + ", " + q("ordinal") + " FROM " + task + " WHERE " + where + " ORDER BY "
                + claimOrder + dialect.limitClause() + dialect.forUpdateSkipLocked())) {
            int i = 1;
            if (leaseEnded != null) {
                ps.setLong(i++, leaseEnded);
            }
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    into.add(new Candidate(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getInt(4)));
                }
            }
        }
    }

    /** A runnable task seen by a claim, with the columns that order claims. */
    private record Candidate(String taskId, long jobCreatedAt, String jobId, int ordinal) {

        static final Comparator<Candidate> CLAIM_ORDER = Comparator.comparingLong(Candidate::jobCreatedAt)
                .thenComparing(Candidate::jobId).thenComparingInt(Candidate::ordinal);
    }

    private Optional<TaskRecord> claimGuarded(Connection c, String owner, Instant now, Instant leaseUntil)
            throws SQLException {
        while (true) {
            Map<String, Long> candidates = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + q("task_id") + ", " + q("fence") + " FROM "
                    + task + " WHERE " + runnable + " ORDER BY " + claimOrder + dialect.limitClause())) {
                ps.setLong(1, JdbcResourceStore.micros(now));
                ps.setInt(2, CANDIDATES);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        candidates.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            if (candidates.isEmpty()) {
                return Optional.empty();
            }
            for (Map.Entry<String, Long> candidate : candidates.entrySet()) {
                if (takeLease(c, candidate.getKey(), candidate.getValue(), owner, now, leaseUntil)) {
                    return Optional.of(readTask(c, candidate.getKey()));
                }
            }
            c.commit();
        }
    }

    /** Leases a task to {@code owner} if its fence is still the one seen, bumping the fence. */
    private boolean takeLease(Connection c, String taskId, long seenFence, String owner, Instant now,
                              Instant leaseUntil) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + task + " SET " + leaseAssignments() + " WHERE "
                + q("task_id") + " = ? AND " + runnable + " AND " + q("fence") + " = ?")) {
            int i = bindLease(ps, owner, now, leaseUntil);
            ps.setString(i, taskId);
            ps.setLong(i + 1, JdbcResourceStore.micros(now));
            ps.setLong(i + 2, seenFence);
            return ps.executeUpdate() == 1;
        }
    }

    /** Taking a lease: owner, lease end and update time, bound by {@link #bindLease}; the fence goes up by one. */
    private String leaseAssignments() {
        return q("state") + " = 'PROCESSING', " + q("lease_owner") + " = ?, " + q("lease_until") + " = ?, "
                + q("fence") + " = " + q("fence") + " + 1, " + q("error_reason") + " = NULL, " + q("updated_at")
                + " = ?";
    }

    /** Binds the parameters of {@link #leaseAssignments} from index 1 and returns the next free index. */
    private static int bindLease(PreparedStatement ps, String owner, Instant now, Instant leaseUntil)
            throws SQLException {
        ps.setString(1, owner);
        ps.setLong(2, JdbcResourceStore.micros(leaseUntil));
        ps.setLong(3, JdbcResourceStore.micros(now));
        return 4;
    }

    @Override
    public TaskControl heartbeat(String taskId, Lease lease, Instant newUntil, Instant now) {
        return fenced("heartbeat", taskId, lease, q("lease_until") + " = ?",
                ps -> ps.setLong(1, JdbcResourceStore.micros(newUntil)));
    }

    @Override
    public TaskControl checkpoint(String taskId, Lease lease, TaskProgress progress, Instant now) {
        return fenced("checkpoint", taskId, lease, progressAssignments(),
                ps -> bindProgress(ps, progress, now));
    }

    @Override
    public void finish(String taskId, Lease lease, TaskState finalState, TaskProgress progress, String errorReason,
                       Instant now) {
        if (!finalState.isFinal()) {
            throw new IllegalArgumentException("Not a final state: " + finalState);
        }
        fenced("finish", taskId, lease, finishAssignments(),
                ps -> bindFinish(ps, progress, finalState, errorReason, now));
    }

    private String finishAssignments() {
        return progressAssignments() + ", " + q("state") + " = ?, " + q("error_reason") + " = ?";
    }

    private static int bindFinish(PreparedStatement ps, TaskProgress progress, TaskState finalState,
                                  String errorReason, Instant now) throws SQLException {
        int i = bindProgress(ps, progress, now);
        ps.setString(i++, finalState.name());
        ps.setString(i++, errorReason);
        return i;
    }

    @Override
    public void release(String taskId, Lease lease, Instant now) {
        fenced("release", taskId, lease, q("lease_until") + " = ?",
                ps -> ps.setLong(1, JdbcResourceStore.micros(now)));
    }

    private String progressAssignments() {
        return q("total_count") + " = ?, " + q("erased_by_type") + " = ?, " + q("page_token") + " = ?, " + q("pass")
                + " = ?, " + q("pending") + " = ?, " + q("erased_digest") + " = ?, " + q("kept_count") + " = ?, " + q("kept")
                + " = ?, " + q("updated_at") + " = ?";
    }

    private static int bindProgress(PreparedStatement ps, TaskProgress p, Instant now) throws SQLException {
        setNullableLong(ps, 1, p.totalCount());
        ps.setString(2, encodeCounts(p.erasedByType()));
        ps.setString(3, p.cursor());
        ps.setInt(4, p.pass());
        ps.setString(5, encodeKeys(p.pending()));
        ps.setString(6, p.erasedDigest());
        ps.setLong(7, p.keptCount());
        ps.setString(8, encodeKeys(p.kept()));
        ps.setLong(9, JdbcResourceStore.micros(now));
        return 10;
    }

    /** Binds the assignments of a fenced update, starting at parameter 1. */
    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private TaskControl fenced(String what, String taskId, Lease lease, String assignments, Binder binder) {
        TaskControl answer = sql.inTransaction(what + " of task " + taskId,
                c -> fencedIn(c, taskId, lease, assignments, binder));
        if (answer == TaskControl.LEASE_LOST) {
            throw new LeaseLostException(taskId, lease.owner(), lease.fence());
        }
        return answer;
    }

    /** One fenced update on an open transaction; a lost lease is answered, not thrown, and changes nothing. */
    private TaskControl fencedIn(Connection c, String taskId, Lease lease, String assignments, Binder binder)
            throws SQLException {
        int params = countParameters(assignments);
        String s = "UPDATE " + task + " SET " + assignments + fencedWhere();
        try (PreparedStatement ps = c.prepareStatement(s)) {
            binder.bind(ps);
            ps.setString(params + 1, taskId);
            ps.setString(params + 2, lease.owner());
            ps.setLong(params + 3, lease.fence());
            if (ps.executeUpdate() != 1) {
                return TaskControl.LEASE_LOST;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT " + q("cancel_requested") + " FROM " + task
                + " WHERE " + q("task_id") + " = ?")) {
            ps.setString(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1) ? TaskControl.CANCEL_REQUESTED : TaskControl.CONTINUE;
            }
        }
    }

    /** The task under its lease: bound with the task id, the lease owner and the fence, in this order. */
    private String fencedWhere() {
        return " WHERE " + q("task_id") + " = ? AND " + q("state") + " = 'PROCESSING' AND " + q("lease_owner")
                + " = ? AND " + q("fence") + " = ?";
    }

    /**
     * The writes in one transaction of three round trips, whatever their number: the progress updates as one batch,
     * the final updates as another, then one read of the rows. An update applied when its row now holds the lease it
     * was fenced by, in the state it wrote (a row's lease changes only by a takeover, which raises the fence), so the
     * answers do not depend on the driver reporting a count per batched statement.
     */
    @Override
    public List<TaskControl> writeAll(List<TaskUpdate> updates, Instant now) {
        if (updates.isEmpty()) {
            return List.of();
        }
        String fenced = fencedWhere();
        return sql.inTransaction("write " + updates.size() + " tasks", c -> {
            try (PreparedStatement progress = c.prepareStatement("UPDATE " + task + " SET " + progressAssignments()
                    + fenced);
                 PreparedStatement finish = c.prepareStatement("UPDATE " + task + " SET " + finishAssignments()
                         + fenced)) {
                int progressed = 0;
                for (TaskUpdate u : updates) {
                    PreparedStatement ps = u.finalState() == null ? progress : finish;
                    int i = u.finalState() == null ? bindProgress(ps, u.progress(), now)
                            : bindFinish(ps, u.progress(), u.finalState(), u.errorReason(), now);
                    ps.setString(i, u.taskId());
                    ps.setString(i + 1, u.lease().owner());
                    ps.setLong(i + 2, u.lease().fence());
                    ps.addBatch();
                    progressed += u.finalState() == null ? 1 : 0;
                }
                if (progressed > 0) {
                    progress.executeBatch();
                }
                if (progressed < updates.size()) {
                    finish.executeBatch();
                }
            }
            Map<String, TaskControl> control = new HashMap<>();
            Map<String, TaskUpdate> byId = new HashMap<>();
            updates.forEach(u -> byId.put(u.taskId(), u));
            for (List<String> chunk : ResourceKeys.chunks(new ArrayList<>(byId.keySet()), dialect.maxInListSize())) {
                try (PreparedStatement ps = c.prepareStatement("SELECT " + q("task_id") + ", " + q("state") + ", "
                        + q("lease_owner") + ", " + q("fence") + ", " + q("cancel_requested") + " FROM " + task
                        + " WHERE " + dialect.inPredicate(q("task_id"), chunk.size()))) {
                    dialect.bindIn(c, ps, 1, chunk);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            TaskUpdate u = byId.get(rs.getString(1));
                            TaskState wrote = u.finalState() == null ? TaskState.PROCESSING : u.finalState();
                            boolean applied = wrote.name().equals(rs.getString(2))
                                    && u.lease().owner().equals(rs.getString(3)) && u.lease().fence() == rs.getLong(4);
                            control.put(u.taskId(), !applied ? TaskControl.LEASE_LOST
                                    : u.finalState() == null && rs.getBoolean(5) ? TaskControl.CANCEL_REQUESTED
                                    : TaskControl.CONTINUE);
                        }
                    }
                }
            }
            return updates.stream().map(u -> control.getOrDefault(u.taskId(), TaskControl.LEASE_LOST)).toList();
        });
    }

    private static int countParameters(String sqlFragment) {
        int n = 0;
        for (int i = 0; i < sqlFragment.length(); i++) {
            if (sqlFragment.charAt(i) == '?') {
                n++;
            }
        }
        return n;
    }

    @Override
    public int requestCancel(String jobId, Instant now) {
        return sql.inTransaction("cancel job " + jobId, c -> {
            int changed;
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + task + " SET " + q("state") + " = 'CANCELLED', "
                    + q("updated_at") + " = ? WHERE " + q("job_id") + " = ? AND " + q("state") + " = 'NEW'")) {
                ps.setLong(1, JdbcResourceStore.micros(now));
                ps.setString(2, jobId);
                changed = ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + task + " SET " + q("cancel_requested")
                    + " = ?, " + q("updated_at") + " = ? WHERE " + q("job_id") + " = ? AND " + q("state")
                    + " = 'PROCESSING' AND " + q("cancel_requested") + " = ?")) {
                ps.setBoolean(1, true);
                ps.setLong(2, JdbcResourceStore.micros(now));
                ps.setString(3, jobId);
                ps.setBoolean(4, false);
                changed += ps.executeUpdate();
            }
            return changed;
        });
    }

    @Override
    public int forgetFinished(Instant cutoff, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        int bounded = Math.min(limit, dialect.maxInListSize());
        return sql.inTransaction("forget finished jobs", c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + q("job_id") + " FROM " + task + " GROUP BY "
                    + q("job_id") + " HAVING MAX(" + q("updated_at") + ") < ? AND SUM(CASE WHEN " + q("state")
                    + " IN ('NEW', 'PROCESSING') THEN 1 ELSE 0 END) = 0 ORDER BY " + q("job_id")
                    + dialect.limitClause())) {
                ps.setLong(1, JdbcResourceStore.micros(cutoff));
                ps.setInt(2, bounded);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            if (ids.isEmpty()) {
                return 0;
            }
            for (String table : List.of(task, job)) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE "
                        + dialect.inPredicate(q("job_id"), ids.size()))) {
                    dialect.bindIn(c, ps, 1, ids);
                    ps.executeUpdate();
                }
            }
            return ids.size();
        });
    }

    private TaskRecord readTask(Connection c, String taskId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + taskColumns + " FROM " + task + " WHERE "
                + q("task_id") + " = ?")) {
            ps.setString(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return readTask(rs);
            }
        }
    }

    private static TaskRecord readTask(ResultSet rs) throws SQLException {
        String owner = rs.getString(6);
        long until = rs.getLong(7);
        Lease lease = owner == null ? null : new Lease(owner, JdbcResourceStore.instant(until), rs.getLong(8));
        long total = rs.getLong(12);
        Long totalCount = rs.wasNull() ? null : total;
        TaskProgress progress = new TaskProgress(totalCount, decodeCounts(rs.getString(13)), rs.getString(14),
                rs.getInt(15), decodeKeys(rs.getString(16)), rs.getString(17), rs.getLong(18),
                decodeKeys(rs.getString(19)));
        return new TaskRecord(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4),
                TaskState.valueOf(rs.getString(5)), lease, progress, rs.getBoolean(9), rs.getString(10),
                JdbcResourceStore.instant(rs.getLong(11)));
    }

    // Text encodings of the structured columns. Ids may hold any character, so they are URL-encoded.

    static String encodeCounts(Map<String, Long> counts) {
        StringBuilder sb = new StringBuilder();
        counts.forEach((type, n) -> sb.append(sb.length() == 0 ? "" : ";").append(type).append('=').append(n));
        return sb.toString();
    }

    static Map<String, Long> decodeCounts(String text) {
        Map<String, Long> counts = new TreeMap<>();
        if (text != null && !text.isEmpty()) {
            for (String entry : text.split(";")) {
                int eq = entry.indexOf('=');
                counts.put(entry.substring(0, eq), Long.parseLong(entry.substring(eq + 1)));
            }
        }
        return counts;
    }

    static String encodeKeys(List<ResourceKey> keys) {
        StringBuilder sb = new StringBuilder();
        for (ResourceKey k : keys) {
            sb.append(sb.length() == 0 ? "" : "\n").append(k.type()).append('/').append(encode(k.id()));
        }
        return sb.toString();
    }

    static List<ResourceKey> decodeKeys(String text) {
        List<ResourceKey> keys = new ArrayList<>();
        if (text != null && !text.isEmpty()) {
            for (String line : text.split("\n")) {
                int slash = line.indexOf('/');
                keys.add(ResourceKey.of(line.substring(0, slash), decode(line.substring(slash + 1))));
            }
        }
        return keys;
    }

    static String encodeMap(Map<String, String> map) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(map).forEach((k, v) ->
                sb.append(sb.length() == 0 ? "" : "&").append(encode(k)).append('=').append(encode(v)));
        return sb.toString();
    }

    static Map<String, String> decodeMap(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        if (text != null && !text.isEmpty()) {
            for (String pair : text.split("&")) {
                int eq = pair.indexOf('=');
                map.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
        }
        return map;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
