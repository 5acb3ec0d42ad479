/** Internals of the JDBC adapter: transactions and exception translation. Not a public API. */
package com.fhirpurge.jdbc.internal;
