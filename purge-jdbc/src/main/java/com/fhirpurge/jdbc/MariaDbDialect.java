package com.fhirpurge.jdbc;

import java.sql.SQLException;

/**
 * MariaDB and MySQL: back-quoted identifiers, {@code SKIP LOCKED} claims (MariaDB 10.6+, MySQL 8+), {@code LIMIT},
 * {@code IN} lists, and the lock-wait timeout (error 1205) and deadlock (1213) as transient failures.
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
