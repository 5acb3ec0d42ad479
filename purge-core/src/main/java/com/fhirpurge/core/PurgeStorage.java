package com.fhirpurge.core;

import com.fhirpurge.spi.ErasureAudit;
import com.fhirpurge.spi.ErasureListener;
import com.fhirpurge.spi.JobRepository;
import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceFinder;
import com.fhirpurge.spi.ResourceReader;
import com.fhirpurge.spi.ResourceSearcher;
import com.fhirpurge.spi.ResourceWriter;
import java.util.List;
import java.util.Objects;

/**
 * The storage roles a {@link PurgeService} works with. One adapter object often plays the finder and eraser
 * roles; the job repository may live in another database.
 *
 * <p>Bulk delete needs a {@link ResourceSearcher}; without one the service refuses bulk deletes at kick-off.
 *
 * @param finder    finds what is in scope
 * @param eraser    erases batches
 * @param searcher  answers bulk delete criteria, {@code null} when the store cannot search
 * @param jobs      persists jobs, tasks and leases
 * @param listeners told after each committed batch, in this order
 * @param audits    given the erasure record of every patient purge, in this order
 * @param reader    reads stored resources (the dry run reads the references of members and referrers), {@code null}
 *                  when the store cannot
 * @param writer    writes new versions (the outside-reference policy {@code REMOVE_REFERENCES} rewrites referrers),
 *                  {@code null} when the store cannot
 */
public record PurgeStorage(ResourceFinder finder, ResourceEraser eraser, ResourceSearcher searcher, JobRepository jobs,
                           List<ErasureListener> listeners, List<ErasureAudit> audits, ResourceReader reader,
                           ResourceWriter writer) {

    /**
     * Validates and copies.
     *
     * @param finder see {@link #finder()}
     * @param eraser see {@link #eraser()}
     * @param searcher see {@link #searcher()}
     * @param jobs see {@link #jobs()}
     * @param listeners see {@link #listeners()}
     * @param audits see {@link #audits()}
     * @param reader see {@link #reader()}
     * @param writer see {@link #writer()}
     */
    public PurgeStorage {
        Objects.requireNonNull(finder, "finder");
        Objects.requireNonNull(eraser, "eraser");
        Objects.requireNonNull(jobs, "jobs");
        listeners = List.copyOf(listeners);
        audits = List.copyOf(audits);
    }

    /**
     * Storage without audits; the finder is the reader and the writer when it plays those roles.
     *
     * @param finder    see {@link #finder()}
     * @param eraser    see {@link #eraser()}
     * @param searcher  see {@link #searcher()}
     * @param jobs      see {@link #jobs()}
     * @param listeners see {@link #listeners()}
     */
    public PurgeStorage(ResourceFinder finder, ResourceEraser eraser, ResourceSearcher searcher, JobRepository jobs,
                        List<ErasureListener> listeners) {
        this(finder, eraser, searcher, jobs, listeners, List.of(), finder instanceof ResourceReader r ? r : null,
                finder instanceof ResourceWriter w ? w : null);
    }

    /**
     * Storage without listeners. When the finder also plays the {@link ResourceSearcher}, {@link ResourceReader} and
     * {@link ResourceWriter} roles (as the reference stores do), it is the searcher, reader and writer too.
     *
     * @param finder the finding role
     * @param eraser the erasing role
     * @param jobs   the job repository
     * @return the storage
     */
    public static PurgeStorage of(ResourceFinder finder, ResourceEraser eraser, JobRepository jobs) {
        ResourceSearcher searcher = finder instanceof ResourceSearcher s ? s : null;
        return new PurgeStorage(finder, eraser, searcher, jobs, List.of());
    }

    /**
     * A copy with another searcher, e.g. a vendor's own search engine.
     *
     * @param searcher the searching role, {@code null} for none
     * @return a new storage value
     */
    public PurgeStorage withSearcher(ResourceSearcher searcher) {
        return new PurgeStorage(finder, eraser, searcher, jobs, listeners, audits, reader, writer);
    }

    /**
     * A copy with one more listener.
     *
     * @param listener the listener to add last
     * @return a new storage value
     */
    public PurgeStorage withListener(ErasureListener listener) {
        List<ErasureListener> all = new java.util.ArrayList<>(listeners);
        all.add(Objects.requireNonNull(listener, "listener"));
        return new PurgeStorage(finder, eraser, searcher, jobs, all, audits, reader, writer);
    }

    /**
     * A copy with another reader.
     *
     * @param reader the reading role, {@code null} for none
     * @return a new storage value
     */
    public PurgeStorage withReader(ResourceReader reader) {
        return new PurgeStorage(finder, eraser, searcher, jobs, listeners, audits, reader, writer);
    }

    /**
     * A copy with another writer.
     *
     * @param writer the writing role, {@code null} for none
     * @return a new storage value
     */
    public PurgeStorage withWriter(ResourceWriter writer) {
        return new PurgeStorage(finder, eraser, searcher, jobs, listeners, audits, reader, writer);
    }

    /**
     * A copy with one more audit.
     *
     * @param audit the audit to add last
     * @return a new storage value
     */
    public PurgeStorage withAudit(ErasureAudit audit) {
        List<ErasureAudit> all = new java.util.ArrayList<>(audits);
        all.add(Objects.requireNonNull(audit, "audit"));
        return new PurgeStorage(finder, eraser, searcher, jobs, listeners, all, reader, writer);
    }
}
