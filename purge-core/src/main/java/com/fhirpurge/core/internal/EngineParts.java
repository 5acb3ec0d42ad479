package com.fhirpurge.core.internal;

import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.spi.ErasureListener;
import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceFinder;
import com.fhirpurge.spi.ResourceReader;
import com.fhirpurge.spi.ResourceSearcher;
import com.fhirpurge.spi.ResourceWriter;
import java.time.InstantSource;
import java.util.List;
import java.util.function.Supplier;

/**
 * What every task run works with: the storage roles and the node's shared retry, throttle and clock.
 *
 * @param finder    finds compartment members and what still exists
 * @param eraser    erases batches
 * @param searcher  answers bulk delete criteria, {@code null} when the store has no search
 * @param jobs      checkpoints and finishes tasks
 * @param listeners told after each erased batch
 * @param retrier   retries transient store failures
 * @param throttle  limits the node's erase rate
 * @param clock     stamps checkpoints and tombstones
 * @param records   keeps the erasure record of each patient purge
 * @param reader    reads stored resources for the purge policies, {@code null} when the store cannot
 * @param extractorSource gives the extractor that reads references out of stored resources as the host indexes
 *                  them; built on first use, since only the purge policies need it
 * @param writer    writes new versions of referrers for the purge policies, {@code null} when the store cannot
 */
record EngineParts(ResourceFinder finder, ResourceEraser eraser, ResourceSearcher searcher, JobRepository jobs,
                   List<ErasureListener> listeners, Retrier retrier, Throttle throttle, InstantSource clock,
                   ErasureRecords records, ResourceReader reader, Supplier<ReferenceExtractor> extractorSource,
                   ResourceWriter writer) {

    /** The reference extractor, built on first use. */
    ReferenceExtractor extractor() {
        return extractorSource.get();
    }
}
