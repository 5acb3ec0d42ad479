package com.fhirpurge.spi;

import java.util.List;
import java.util.Optional;

/**
 * Reading role (optional): reads what a reference store holds. Used by tests, the verification pass, and the
 * reference server's read and history interactions.
 *
 * <p><b>Threading:</b> safe for concurrent use. <b>Errors:</b> {@link StoreException}.
 */
public interface ResourceReader {

    /**
     * Reads the current version.
     *
     * @param key the resource
     * @return the current version (a tombstone when soft-deleted), empty when nothing is stored
     */
    Optional<StoredResource> read(ResourceKey key);

    /**
     * Reads stored versions, newest first, the current one included.
     *
     * @param key   the resource
     * @param limit the maximum number of versions, at least 1
     * @return at most {@code limit} versions
     */
    List<StoredResource> history(ResourceKey key, int limit);

    /**
     * Counts every row the store holds of a resource, whatever its state: the residue probe.
     *
     * @param key the resource
     * @return current, history and index row counts
     */
    Footprint footprint(ResourceKey key);
}
