package com.fhirpurge.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * What differs between databases, in three kinds of method: capability questions, whole statements for the
 * operations that differ, and value binding. Extend {@link AnsiDialect} and override only what differs; never
 * rewrite finished SQL text.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface JdbcDialect {

    /**
     * A short name for logs and the schema resource, e.g. {@code postgresql}.
     *
     * @return the name
     */
    String name();

    /**
     * Whether {@code SELECT ... FOR UPDATE SKIP LOCKED} is available; claims use a version-guarded update otherwise.
     *
     * @return {@code true} when supported
     */
    boolean supportsSkipLocked();

    /**
     * Whether {@code DELETE ... RETURNING column} reports the deleted rows (PostgreSQL, MariaDB 10.5+); otherwise
     * the ids are selected before the delete, in the same transaction.
     *
     * @return {@code true} when supported
     */
    boolean supportsDeleteReturning();

    /**
     * The most values one {@link #inPredicate} may hold; batches are split to fit.
     *
     * @return at least 1
     */
    int maxInListSize();

    /**
     * Quotes a validated identifier.
     *
     * @param identifier a table or column name matching {@code [A-Za-z_][A-Za-z0-9_]*}
     * @return the quoted identifier
     */
    String quote(String identifier);

    /**
     * The reference schema's DDL, each statement idempotent ({@code IF NOT EXISTS}).
     *
     * @param prefix the validated table prefix
     * @return the statements in order
     */
    List<String> referenceSchemaDdl(String prefix);

    /**
     * The job repository's DDL, each statement idempotent.
     *
     * @param prefix the validated table prefix
     * @return the statements in order
     */
    List<String> jobSchemaDdl(String prefix);

    /**
     * The suffix that locks the selected rows and skips rows other transactions hold, when
     * {@link #supportsSkipLocked()}.
     *
     * @return e.g. {@code " FOR UPDATE SKIP LOCKED"}
     */
    String forUpdateSkipLocked();

    /**
     * The suffix that limits a query's rows to one bound parameter.
     *
     * @return e.g. {@code " LIMIT ?"}
     */
    String limitClause();

    /**
     * A predicate matching a column against {@code count} string values, bound by {@link #bindIn}.
     *
     * @param quotedColumn the quoted column
     * @param count        the number of values, 1 to {@link #maxInListSize()}
     * @return e.g. {@code "x" IN (?,?,?)} or {@code "x" = ANY(?)}
     */
    String inPredicate(String quotedColumn, int count);

    /**
     * Binds the values of an {@link #inPredicate}.
     *
     * @param connection the connection (for array creation)
     * @param statement  the statement
     * @param index      the first parameter index
     * @param values     the values
     * @return the next free parameter index
     * @throws SQLException from the driver
     */
    int bindIn(Connection connection, PreparedStatement statement, int index, List<String> values)
            throws SQLException;

    /**
     * Whether the database matches (id, type) key pairs in one predicate ({@link #keyPairPredicate}) with an index
     * range per pair; then a batch spanning several resource types costs one statement per shared table instead of
     * one per type.
     *
     * @return {@code true} on PostgreSQL
     */
    default boolean supportsKeyPairs() {
        return false;
    }

    /**
     * Whether the database seeks an index range past a (type, id) key ({@link #keyAfterPredicate}) while it filters
     * by a predicate spanning types; then a compartment page costs one query instead of one per member type.
     *
     * @return by default {@link #supportsKeyPairs()}; {@code true} on MariaDB
     */
    default boolean supportsKeySeek() {
        return supportsKeyPairs();
    }

    /**
     * Whether a query that pins some columns of an index by equality and reads the rest in index order lists the
     * pinned columns first in its {@code ORDER BY}. Either form asks for the same order; the one to use is the one
     * the optimizer recognises as the index order, so that it reads the range in order and stops at the limit.
     *
     * @return {@code true} by default: H2 sorts otherwise; {@code false} on MariaDB, which sorts when they are there
     */
    default boolean ordersByPinnedColumns() {
        return true;
    }

    /**
     * Whether a test of two columns against a list of value pairs is best written as one list of {@code a/b}
     * strings, {@code CONCAT(a, '/', b) IN (?, ...)}, instead of an {@code OR} per value of the first column; the
     * compartment membership (a member type with one of its parameters, 100 pairs for Patient) is tested this way.
     *
     * @return {@code true} on MariaDB, whose optimizer spends milliseconds on an {@code OR} of 66 branches
     */
    default boolean matchesPairsAsText() {
        return false;
    }

    /**
     * A predicate true for rows past a key in the order of two columns, bound by {@link #bindKeyAfter}; the database
     * must answer it from an index range on those columns.
     *
     * @param quotedFirst  the quoted first column (a type)
     * @param quotedSecond the quoted second column (an id)
     * @return by default the row value comparison {@code (a, b) > (?, ?)}
     */
    default String keyAfterPredicate(String quotedFirst, String quotedSecond) {
        return "(" + quotedFirst + ", " + quotedSecond + ") > (?, ?)";
    }

    /**
     * Binds a {@link #keyAfterPredicate}.
     *
     * @param statement the statement
     * @param index     the first parameter index
     * @param first     the key's first value
     * @param second    the key's second value
     * @return the next free parameter index
     * @throws SQLException from the driver
     */
    default int bindKeyAfter(PreparedStatement statement, int index, String first, String second)
            throws SQLException {
        statement.setString(index, first);
        statement.setString(index + 1, second);
        return index + 2;
    }

    /**
     * Whether the database joins each element of an id array bound with {@link #bindIn} to a limited subquery
     * ({@code unnest(?::text[]) CROSS JOIN LATERAL (... LIMIT ?)}); then the first pages of a group of compartments
     * cost one query, each compartment's still read from its own index range and stopped at the limit.
     *
     * @return {@code true} on PostgreSQL
     */
    default boolean supportsLateralUnnest() {
        return false;
    }

    /**
     * Whether one statement may delete from several tables, each {@code DELETE ... RETURNING} a common table
     * expression of a {@code WITH} query over one set of key pairs ({@link #keyPairRows}); then erasing a batch costs
     * one statement, one bound pair of arrays and one round trip instead of one of each per table. Taken only where
     * {@link #supportsKeyPairs()} holds too.
     *
     * @return {@code true} on PostgreSQL
     */
    default boolean supportsDeleteInCte() {
        return false;
    }

    /**
     * A query whose rows are bound (id, type) pairs, in two columns, bound by {@link #bindKeyPairs}.
     *
     * @return the query
     * @throws UnsupportedOperationException unless {@link #supportsKeyPairs()}
     */
    default String keyPairRows() {
        throw new UnsupportedOperationException("No key pair rows on " + getClass().getSimpleName());
    }

    /**
     * A predicate matching (id, type) pairs, bound by {@link #bindKeyPairs}.
     *
     * @param quotedIdColumn   the quoted id column
     * @param quotedTypeColumn the quoted type column
     * @return the predicate
     * @throws UnsupportedOperationException unless {@link #supportsKeyPairs()}
     */
    default String keyPairPredicate(String quotedIdColumn, String quotedTypeColumn) {
        throw new UnsupportedOperationException("No key pair predicate on " + getClass().getSimpleName());
    }

    /**
     * Binds the pairs of a {@link #keyPairPredicate}.
     *
     * @param connection the connection (for array creation)
     * @param statement  the statement
     * @param index      the first parameter index
     * @param ids        the ids
     * @param types      the types, one per id
     * @return the next free parameter index
     * @throws SQLException from the driver
     * @throws UnsupportedOperationException unless {@link #supportsKeyPairs()}
     */
    default int bindKeyPairs(Connection connection, PreparedStatement statement, int index, List<String> ids,
                             List<String> types) throws SQLException {
        throw new UnsupportedOperationException("No key pair predicate on " + getClass().getSimpleName());
    }

    /**
     * Whether an exception means a retry of the same transaction may succeed (connection loss, deadlock,
     * serialization failure, lock timeout).
     *
     * @param e the exception
     * @return {@code true} when transient
     */
    boolean isTransient(SQLException e);
}
