/**
 * Demo helpers: deterministic synthetic R4 patient records ({@link com.fhirpurge.core.demo.SyntheticPatients}) for
 * examples, tests and benchmarks.
 */
package com.fhirpurge.core.demo;
