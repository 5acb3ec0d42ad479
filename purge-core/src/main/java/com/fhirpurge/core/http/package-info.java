/**
 * A framework-neutral HTTP binding of the purge operations: {@link com.fhirpurge.core.http.PurgeHttpBinding} maps
 * an {@link com.fhirpurge.core.http.HttpRequest} (method, path below the FHIR base, query, headers, body and the
 * caller's verified identity) to an {@link com.fhirpurge.core.http.HttpResponse} (status, headers, FHIR JSON body).
 * Mount it in any stack (servlet, JDK {@code HttpServer}, Spring, Vert.x) by copying those few fields across.
 */
package com.fhirpurge.core.http;
