/**
 * The JDBC adapter: every storage role of the SPI on PostgreSQL, MariaDB/MySQL and H2.
 *
 * <p>{@link com.fhirpurge.jdbc.JdbcResourceStore} finds, erases, writes and reads resources in the tables a
 * {@link com.fhirpurge.jdbc.JdbcLayout} describes: the shipped reference schema, or a vendor's own tables.
 * {@link com.fhirpurge.jdbc.JdbcJobRepository} keeps jobs, tasks and fenced leases in two tables and is safe with
 * many nodes on one database. SQL differences live in {@link com.fhirpurge.jdbc.JdbcDialect}s, detected once from
 * the connection's metadata. Every value is a bound parameter; every identifier comes from the layout, is validated
 * against a strict pattern and is quoted.
 */
package com.fhirpurge.jdbc;
