package com.fhirpurge.jdbc;

/**
 * MySQL 8+ (8.0.13+ for the reference schema, whose search index tables use an expression default): as MariaDB,
 * without {@code DELETE ... RETURNING}.
 */
public class MySqlDialect extends MariaDbDialect {

    /** Creates the dialect. */
    public MySqlDialect() {
        super();
    }

    @Override
    public boolean supportsDeleteReturning() {
        return false;
    }
}
