package com.fhirpurge.benchmarks;

import com.fhirpurge.core.PurgeStorage;
import com.fhirpurge.spi.ResourceWriter;
import java.util.List;

/**
 * One isolated, freshly created store (a schema, a database or a Mongo database) with everything a benchmark
 * needs: the storage roles, a writer, the hand-written set-based ceiling, and a row count that proves a run erased
 * exactly what it should.
 */
interface StoreHandle extends AutoCloseable {

    /**
     * The storage roles (finder, eraser, searcher, job repository) on this store.
     *
     * @return the roles
     */
    PurgeStorage storage();

    /**
     * A writer on this store.
     *
     * @return the writer
     */
    ResourceWriter writer();

    /**
     * Erases the given patients' compartments the fastest way the schema allows: set-based statements straight on
     * the tables, no engine, no batching, no bookkeeping.
     *
     * @param patientIds the patients
     */
    void ceilingPurge(List<String> patientIds);

    /**
     * Counts every stored row (or document) of resource data: current, history, reference and search index.
     *
     * @return the row count
     */
    long countRows();

    /** Drops the store. */
    @Override
    void close();
}
