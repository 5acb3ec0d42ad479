/**
 * The runnable reference server: the purge endpoints of {@link com.fhirpurge.core.http.PurgeHttpBinding} and a
 * minimal FHIR REST API on the JDK's HTTP server, over the JDBC adapter or, with {@code --mongo-uri}, the MongoDB
 * adapter. Start it with {@code java -jar purge-server.jar --demo};
 * {@link com.fhirpurge.server.ServerOptions#usage()} lists the options.
 */
package com.fhirpurge.server;
