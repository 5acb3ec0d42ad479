package com.fhirpurge.jdbc;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * MariaDB and MySQL: back-quoted identifiers, {@code SKIP LOCKED} claims (MariaDB 10.6+, MySQL 8+), {@code LIMIT},
 * {@code IN} lists, compartment pages across types by an index seek, and the lock-wait timeout (error 1205) and
 * deadlock (1213) as transient failures. Key pairs stay per type: MariaDB 10.11 deletes by a list of 500 row
 * constructors ({@code (a, b) IN ((?, ?), ...)}) ten times slower than by one {@code IN} list per type.
 */
public class MariaDbDialect extends AnsiDialect {

    /** Creates the dialect. */
    public MariaDbDialect() {
        super("mariadb");
    }

    @Override
    public boolean supportsSkipLocked() {
        return true;
    }

    @Override
    public boolean supportsDeleteReturning() {
        return true;
    }

    @Override
    public boolean supportsKeySeek() {
        return true;
    }

    /**
     * The row value comparison spelled out, {@code (a > ? OR (a = ? AND b > ?))}: MariaDB reads the row value form
     * as a filter over the whole range of the columns before, this one as an index range.
     */
    @Override
    public String keyAfterPredicate(String quotedFirst, String quotedSecond) {
        return "(" + quotedFirst + " > ? OR (" + quotedFirst + " = ? AND " + quotedSecond + " > ?))";
    }

    @Override
    public int bindKeyAfter(PreparedStatement statement, int index, String first, String second)
            throws SQLException {
        statement.setString(index, first);
        statement.setString(index + 1, first);
        statement.setString(index + 2, second);
        return index + 3;
    }

    @Override
    public String quote(String identifier) {
        return '`' + JdbcLayout.requireIdentifier("identifier", identifier) + '`';
    }

    @Override
    public String forUpdateSkipLocked() {
        return " FOR UPDATE SKIP LOCKED";
    }

    @Override
    public String limitClause() {
        return " LIMIT ?";
    }

    @Override
    public boolean isTransient(SQLException e) {
        return super.isTransient(e) || e.getErrorCode() == 1205 || e.getErrorCode() == 1213;
    }
}
