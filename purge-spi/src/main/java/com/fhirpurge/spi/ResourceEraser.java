package com.fhirpurge.spi;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Erasing role: erase one batch of resources.
 *
 * <p>Every method is <b>atomic per batch</b> where the store has transactions: either every row of the batch is
 * changed or none is. Where it has none (a standalone MongoDB), the implementation orders its writes so that a
 * failure mid-batch leaves nothing a retry of the same batch cannot finish, and never leaves a resource whose
 * current row is gone while its history or index rows remain.
 *
 * <p>Every method is <b>idempotent</b>: erasing what is already gone changes nothing and is not reported. The
 * returned list names exactly the resources of which the call removed or changed something, so counts built from
 * it count each resource once.
 *
 * <p><b>Threading:</b> safe for concurrent use. <b>Errors:</b> {@link StoreException} when the store fails; after
 * a failure the batch may be retried as a whole.
 */
public interface ResourceEraser {

    /**
     * Hard delete: removes the current version, every history version and every reference index row whose source
     * is one of the resources. Index rows of <em>other</em> resources that point at them are left alone.
     *
     * @param batch the resources, at most a batch in size; unknown keys are ignored
     * @return the resources of which at least one row was removed, in batch order
     */
    List<ResourceKey> hardDelete(Collection<ResourceKey> batch);

    /**
     * Soft delete: each live resource gets a new tombstone version stamped {@code at}; the former current version
     * is kept as history. The reference index rows stay, so a later purge still finds the resource and its
     * history. Resources already deleted or unknown are ignored.
     *
     * @param batch the resources
     * @param at    the tombstone's {@code lastUpdated}
     * @return the resources that were live and are now deleted
     */
    List<ResourceKey> softDelete(Collection<ResourceKey> batch, Instant at);

    /**
     * Purge history: removes every stored version except the current one; the current version, its version
     * number and its index rows stay.
     *
     * @param batch the resources
     * @return the resources of which at least one history version was removed
     */
    List<ResourceKey> purgeHistory(Collection<ResourceKey> batch);
}
