package com.fhirpurge.jdbc;

import com.fhirpurge.jdbc.internal.Sql;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

/**
 * Creates the shipped schemas. Both calls are idempotent, so they are safe at every start-up and on every node: every
 * statement is {@code CREATE ... IF NOT EXISTS}, and on PostgreSQL one {@code ALTER TABLE} sets the task table's fill
 * factor, which brings a task table of an earlier release up to date. Tables that exist are otherwise left as they
 * are: MariaDB search index tables created before they had a primary key keep working, and the README gives the
 * {@code ALTER TABLE} that brings them up to date (it rebuilds the table, so it is not run here). The DDL is also
 * shipped as plain SQL files ({@code com/fhirpurge/jdbc/<dialect>-reference-schema.sql},
 * {@code <dialect>-job-schema.sql}) for vendors who manage schemas with their own migration tool.
 */
public final class JdbcSchema {

    private JdbcSchema() {
    }

    /**
     * Creates the reference schema's tables and indexes ({@link JdbcLayout#referenceSchema(String)}).
     *
     * @param dataSource the database
     * @param dialect    its dialect
     * @param prefix     the table prefix, e.g. {@code fp_}
     * @throws com.fhirpurge.spi.StoreException when a statement fails
     */
    public static void createReferenceSchema(DataSource dataSource, JdbcDialect dialect, String prefix) {
        run(dataSource, dialect, dialect.referenceSchemaDdl(prefix), "create the reference schema");
    }

    /**
     * Creates the job repository's tables and indexes.
     *
     * @param dataSource the database
     * @param dialect    its dialect
     * @param prefix     the table prefix, e.g. {@code fp_}
     * @throws com.fhirpurge.spi.StoreException when a statement fails
     */
    public static void createJobSchema(DataSource dataSource, JdbcDialect dialect, String prefix) {
        run(dataSource, dialect, dialect.jobSchemaDdl(prefix), "create the job schema");
    }

    private static void run(DataSource dataSource, JdbcDialect dialect, List<String> ddl, String what) {
        new Sql(dataSource, dialect).inTransaction(what, c -> {
            try (Statement s = c.createStatement()) {
                for (String statement : ddl) {
                    s.execute(statement);
                }
            }
            return null;
        });
    }
}
