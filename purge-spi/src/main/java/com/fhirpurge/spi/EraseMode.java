package com.fhirpurge.spi;

/** How resources are erased. */
public enum EraseMode {
    /** Current version, history and index rows removed. */
    HARD_DELETE,
    /** A tombstone version added; history kept. */
    SOFT_DELETE,
    /** Every non-current version removed; the resource stays. */
    PURGE_HISTORY
}
