package com.fhirpurge.jdbc;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * PostgreSQL: {@code SKIP LOCKED} claims, {@code LIMIT}, and one {@code = ANY(?)} text array per batch instead of
 * an {@code IN} list, so every batch size shares one prepared statement.
 */
public class PostgresDialect extends AnsiDialect {

    /** Creates the dialect. */
    public PostgresDialect() {
        super("postgresql");
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
    public int maxInListSize() {
        return 10_000;
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
    public String inPredicate(String quotedColumn, int count) {
        return quotedColumn + " = ANY(?)";
    }

    @Override
    public int bindIn(Connection connection, PreparedStatement statement, int index, List<String> values)
            throws SQLException {
        Array array = connection.createArrayOf("text", values.toArray());
        statement.setArray(index, array);
        return index + 1;
    }

    @Override
    public boolean supportsKeyPairs() {
        return true;
    }

    @Override
    public boolean supportsLateralUnnest() {
        return true;
    }

    @Override
    public boolean supportsDeleteInCte() {
        return true;
    }

    @Override
    public String keyPairRows() {
        return "SELECT * FROM unnest(?::text[], ?::text[])";
    }

    @Override
    public String keyPairPredicate(String quotedIdColumn, String quotedTypeColumn) {
        return "(" + quotedIdColumn + ", " + quotedTypeColumn + ") IN (" + keyPairRows() + ")";
    }

    @Override
    public int bindKeyPairs(Connection connection, PreparedStatement statement, int index, List<String> ids,
                            List<String> types) throws SQLException {
        statement.setArray(index, connection.createArrayOf("text", ids.toArray()));
        statement.setArray(index + 1, connection.createArrayOf("text", types.toArray()));
        return index + 2;
    }

    @Override
    public boolean isTransient(SQLException e) {
        String state = e.getSQLState();
        // 57P01..03: admin shutdown, crash shutdown, cannot connect now; 55P03: lock not available; 53: resources.
        return super.isTransient(e) || (state != null
                && (state.startsWith("57P") || state.equals("55P03") || state.startsWith("53")));
    }
}
