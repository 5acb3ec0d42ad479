package com.fhirpurge.jdbc;

/** MySQL 8+: as MariaDB, without {@code DELETE ... RETURNING}. */
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
