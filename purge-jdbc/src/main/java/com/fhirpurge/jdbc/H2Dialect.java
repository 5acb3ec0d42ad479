package com.fhirpurge.jdbc;

import java.sql.SQLException;

/**
 * H2 2.x: {@code LIMIT}, {@code IN} lists, version-guarded claims, and lock timeouts ({@code HYT00}) as transient
 * failures.
 */
public class H2Dialect extends AnsiDialect {

    /** Creates the dialect. */
    public H2Dialect() {
        super("h2");
    }

    @Override
    public String limitClause() {
        return " LIMIT ?";
    }

    @Override
    public boolean isTransient(SQLException e) {
        return super.isTransient(e) || "HYT00".equals(e.getSQLState());
    }
}
