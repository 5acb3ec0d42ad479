package com.fhirpurge.spi;

import java.util.List;

/**
 * Writing role (optional): stores resources in a reference schema. Used by tests, benchmarks and the reference
 * server; a vendor whose server writes its own store need not implement it.
 *
 * <p>Each write creates a new version: the version number is one more than the resource's highest stored version
 * (1 for a new or previously hard-deleted resource), the former current version is kept as history and the
 * reference index rows are replaced by those of the new version.
 *
 * <p><b>Threading:</b> safe for concurrent use; concurrent writes of one resource are serialised by the store.
 * <b>Errors:</b> {@link StoreException}.
 */
public interface ResourceWriter {

    /**
     * Writes a batch of versions atomically (where the store has transactions).
     *
     * @param writes the versions to write; a key may appear more than once (each occurrence adds a version)
     * @return the new version number of each write, in order
     */
    List<Long> write(List<ResourceWrite> writes);
}
