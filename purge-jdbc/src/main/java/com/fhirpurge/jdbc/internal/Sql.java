package com.fhirpurge.jdbc.internal;

import com.fhirpurge.jdbc.JdbcDialect;
import com.fhirpurge.spi.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Runs units of JDBC work, in a transaction or not, and translates every {@link SQLException} once, here, into a
 * {@link StoreException} that keeps the SQL state and vendor code and says whether a retry may succeed.
 */
public final class Sql {

    /**
     * A unit of work on one connection.
     *
     * @param <T> its result
     */
    @FunctionalInterface
    public interface Work<T> {
        /**
         * Does the work.
         *
         * @param connection the connection
         * @return the result
         * @throws SQLException from the driver
         */
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;
    private final JdbcDialect dialect;

    /**
     * Creates a runner.
     *
     * @param dataSource where connections come from
     * @param dialect    decides which failures are transient
     */
    public Sql(DataSource dataSource, JdbcDialect dialect) {
        this.dataSource = dataSource;
        this.dialect = dialect;
    }

    /**
     * The dialect.
     *
     * @return the dialect
     */
    public JdbcDialect dialect() {
        return dialect;
    }

    /**
     * Runs work in one transaction: committed when it returns, rolled back when it throws.
     *
     * @param what  what the work does, for the error message
     * @param work  the work
     * @param <T>   the result type
     * @return the work's result
     * @throws StoreException when the database fails
     */
    public <T> T inTransaction(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                restoreAutoCommit(c, autoCommit);
            }
        } catch (SQLException e) {
            throw translate(what, e);
        }
    }

    /**
     * Runs read-only work without an explicit transaction.
     *
     * @param what what the work reads, for the error message
     * @param work the work
     * @param <T>  the result type
     * @return the work's result
     * @throws StoreException when the database fails
     */
    public <T> T read(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw translate(what, e);
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static void restoreAutoCommit(Connection c, boolean autoCommit) {
        try {
            if (!c.isClosed()) {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException ignored) {
            // The connection is broken; the pool discards it.
        }
    }

    /**
     * Translates a driver exception.
     *
     * @param what what failed
     * @param e    the driver exception
     * @return the store exception
     */
    public StoreException translate(String what, SQLException e) {
        String state = e.getSQLState() == null ? null : e.getSQLState() + "/" + e.getErrorCode();
        return new StoreException(what + " failed: " + e.getMessage(), e, dialect.isTransient(e), state);
    }
}
