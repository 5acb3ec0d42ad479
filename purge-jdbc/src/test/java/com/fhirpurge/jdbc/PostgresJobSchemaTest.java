package com.fhirpurge.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fhirpurge.spi.JobKind;
import com.fhirpurge.spi.JobRecord;
import com.fhirpurge.spi.TaskRecord;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL job schema leaves room on the task table's pages for HOT updates, and running it on a task table an
 * earlier release created without a fill factor sets one and keeps the jobs.
 */
class PostgresJobSchemaTest {

    private TestDatabase.Instance instance;
    private DataSource pool;

    @BeforeEach
    void open() {
        instance = TestDatabase.POSTGRES.create("jobschema");
        pool = instance.newPool(2);
    }

    @AfterEach
    void close() {
        instance.close();
    }

    @Test
    void theTaskTableLeavesRoomOnItsPages() throws SQLException {
        JdbcSchema.createJobSchema(pool, instance.dialect(), "fp_");

        assertThat(taskOptions()).containsExactly("fillfactor=70");
        assertThat(taskIndexes()).containsExactlyInAnyOrder("fp_task_pkey", "fp_task_job", "fp_task_runnable",
                "fp_task_target");
    }

    @Test
    void aTaskTableOfAnEarlierReleaseIsBroughtUpToDateAndKeepsItsJobs() throws SQLException {
        JdbcSchema.createJobSchema(pool, instance.dialect(), "fp_");
        execute("ALTER TABLE fp_task RESET (fillfactor)"); // as an earlier release created it
        assertThat(taskOptions()).isEmpty();
        JdbcJobRepository jobs = new JdbcJobRepository(pool, instance.dialect(), "fp_");
        Instant now = Instant.parse("2026-12-02T10:00:00Z");
        jobs.create(new JobRecord("job-1", JobKind.PATIENT_PURGE, now, "admin", Map.of()),
                List.of(TaskRecord.newTask("job-1/0", "job-1", 0, "Patient/a", now),
                        TaskRecord.newTask("job-1/1", "job-1", 1, "Patient/b", now)));

        JdbcSchema.createJobSchema(pool, instance.dialect(), "fp_");
        JdbcSchema.createJobSchema(pool, instance.dialect(), "fp_");

        assertThat(taskOptions()).containsExactly("fillfactor=70");
        assertThat(jobs.findActiveJob(JobKind.PATIENT_PURGE, "Patient/b")).contains("job-1");
        assertThat(jobs.claimUpTo("node-1", now, now.plusSeconds(60), 5)).extracting(TaskRecord::target)
                .containsExactly("Patient/a", "Patient/b");
    }

    private List<String> taskIndexes() throws SQLException {
        return strings("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
                + " AND tablename = 'fp_task'");
    }

    private List<String> taskOptions() throws SQLException {
        return strings("SELECT unnest(reloptions) FROM pg_class WHERE oid = 'fp_task'::regclass");
    }

    private List<String> strings(String query) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private void execute(String statement) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }
}
