package com.fhirpurge.spi.contract;

/**
 * Lets the contract suite make a store fail in the middle of an erase, as a crash or a dropped connection would.
 * Adapters that can inject such a fault return one from {@link ResourceStoreContract#faultInjector()}.
 */
public interface FaultInjector {

    /**
     * Makes the next erase call (hard delete, soft delete or purge history) fail with a
     * {@link com.fhirpurge.spi.StoreException} after it has done part of its work: at least one row of the batch
     * written, not all. Later calls behave normally.
     */
    void failNextEraseMidway();

    /**
     * Whether the store undoes a failed batch completely (a transaction). Stores without multi-document
     * transactions answer {@code false}; they must still never leave a resource whose current row is gone while
     * other rows of it remain.
     *
     * @return {@code true} for transactional stores
     */
    boolean atomicBatches();
}
