/**
 * Internals of the engine: the state machine, the worker loop, retries, throttling. Not a public API; anything
 * here may change without notice.
 */
package com.fhirpurge.core.internal;
