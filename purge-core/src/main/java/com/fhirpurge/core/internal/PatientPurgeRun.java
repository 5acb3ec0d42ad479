package com.fhirpurge.core.internal;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.OutsideReferencePolicy;
import com.fhirpurge.core.SharedResourcePolicy;
import com.fhirpurge.spi.CompartmentDefinition;
import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.EraseMode;
import com.fhirpurge.spi.IndexedReference;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.ResourceWrite;
import com.fhirpurge.spi.StoredResource;
import com.fhirpurge.spi.TaskControl;
import com.fhirpurge.spi.TaskProgress;
import com.fhirpurge.spi.TaskState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one leased patient-purge task to a final state, or until the node stops.
 *
 * <h2>The loop</h2>
 * <ol>
 *   <li>Recover: a checkpoint with {@code pending} keys means a worker died between announcing a batch and
 *       recording its result. Those of its keys the store no longer holds were erased by that batch and are counted;
 *       the pass restarts from the beginning, so whatever of it is still a member is found and erased again, and
 *       whatever stopped being a member in between (a record moved to another patient) is left alone.</li>
 *   <li>Count the compartment once, for {@code totalResourcesCount}: from the first page when that page holds the
 *       whole compartment, else with a count query.</li>
 *   <li>Fetch the next page; checkpoint it as {@code pending} together with the counts so far and the cursor after
 *       it (one fenced write per batch: a worker that lost its lease stops here, before erasing); erase it in one
 *       batch; tell the listeners; throttle. When the erase succeeded only after a transient failure, an earlier
 *       attempt may have committed before its error, so the batch is settled the same way as a recovered one. Each
 *       batch is verified ({@link VerifiedErase}): a resource the store still holds rows of after a second erase
 *       ends the patient's purge in error, naming it.</li>
 *   <li>At the end of a pass start another from the beginning, until a whole pass finds nothing: resources written
 *       during the purge are caught. A pass that finds nothing ends the task without another checkpoint; it is also
 *       the verification of the reference index.</li>
 * </ol>
 * Cancellation is seen at the checkpoint before each batch; the task then ends cancelled with the counts of the
 * batches already erased. Any failure other than a lost lease ends the task in error, keeping the reason; a lost
 * lease abandons the task to its new owner without another write.
 */
final class PatientPurgeRun extends TaskRun {

    private static final Logger LOG = LoggerFactory.getLogger(PatientPurgeRun.class);

    private final CompartmentScope scope;
    private final int batchSize;
    private final BooleanSupplier running;
    private final OutsideReferencePolicy outsideReferences;
    private final SharedResourcePolicy sharedResources;
    private CompartmentInspector inspector;
    /** The members this pass keeps (shared-resource policy {@code keep}): the first ones, and how many. */
    private final List<ResourceKey> keptInPass = new ArrayList<>();
    private long keptInPassCount;

    /**
     * A run that starts from {@code from}, the progress the task was claimed with or one a group handed back.
     */
    PatientPurgeRun(ActiveTask task, TaskProgress from, CompartmentDefinition compartment, EngineParts parts,
                    int batchSize, BooleanSupplier running, OutsideReferencePolicy outsideReferences,
                    SharedResourcePolicy sharedResources) {
        super(task, parts);
        this.progress = from;
        this.outsideReferences = outsideReferences;
        this.sharedResources = sharedResources;
        this.scope = new CompartmentScope(compartment, task.claimed().target());
        this.batchSize = batchSize;
        this.running = running;
    }

    @Override
    String subject() {
        return "purge of patient " + scope.ownerId();
    }

    @Override
    void work() throws InterruptedException {
        if (!progress.pending().isEmpty()) {
            List<ResourceKey> pending = progress.pending();
            List<ResourceKey> gone = VerifiedErase.gone(parts, task.jobId(), pending);
            LOG.info("job {}: patient {} resumes; {} of the {} resources of the interrupted batch were erased",
                    task.jobId(), scope.ownerId(), gone.size(), pending.size());
            notifyListeners(EraseMode.HARD_DELETE, gone);
            progress = withErased(progress, gone);
            progress = new TaskProgress(progress.totalCount(), progress.erasedByType(), null, progress.pass(),
                    List.of(), progress.erasedDigest());
        }
        if (task.cancelRequested()) {
            finish(TaskState.CANCELLED, null);
            return;
        }
        if (outsideReferences == OutsideReferencePolicy.FAIL && progress.equals(TaskProgress.INITIAL)) {
            String refused = outsideReferencesReason();
            if (refused != null) {
                LOG.warn("job {}: patient {} is not purged: {}", task.jobId(), scope.ownerId(), refused);
                finish(TaskState.ERROR, refused);
                return;
            }
        }
        // A fresh task counts from its first page when that page is the whole compartment (most are): the count
        // query would only say the same.
        boolean countFromFirstPage = progress.totalCount() == null && progress.cursor() == null
                && progress.pass() == 1;
        if (progress.totalCount() == null && !countFromFirstPage) {
            count();
        }
        boolean foundInPass = progress.cursor() != null;
        while (true) {
            if (!running.getAsBoolean()) {
                checkpointAndRelease();
                return;
            }
            requireLease();
            String cursor = progress.cursor();
            ResourcePage page = parts.retrier().call(task.jobId(), "find members",
                    () -> parts.finder().findMembers(scope, cursor, batchSize));
            boolean passEnds = !page.hasNext();
            if (countFromFirstPage) {
                countFromFirstPage = false;
                if (passEnds) {
                    progress = new TaskProgress((long) page.items().size(), progress.erasedByType(), null,
                            progress.pass(), List.of(), progress.erasedDigest());
                } else {
                    count();
                }
            }
            List<ResourceKey> erasable = erasableOf(page.items());
            if (erasable.isEmpty() && passEnds && !foundInPass) {
                break; // a whole pass found nothing to erase: done, no checkpoint needed
            }
            foundInPass |= !erasable.isEmpty();
            progress = new TaskProgress(progress.totalCount(), progress.erasedByType(),
                    passEnds ? null : page.nextPageToken(), progress.pass(), erasable, progress.erasedDigest());
            if (checkpoint() == TaskControl.CANCEL_REQUESTED || task.cancelRequested()) {
                progress = withErased(progress, List.of());
                finish(TaskState.CANCELLED, null);
                return;
            }
            if (outsideReferences == OutsideReferencePolicy.REMOVE_REFERENCES && !erasable.isEmpty()) {
                removeOutsideReferences(erasable);
            }
            if (!erasable.isEmpty()) {
                VerifiedErase.Outcome erased = VerifiedErase.run(parts, task.jobId(), erasable);
                notifyListeners(EraseMode.HARD_DELETE, erased.erased());
                progress = withErased(progress, erased.erased());
                if (!erased.residue().isEmpty()) {
                    String reason = VerifiedErase.reason(erased.residue());
                    LOG.error("job {}: patient {}: {}", task.jobId(), scope.ownerId(), reason);
                    finish(TaskState.ERROR, reason);
                    return;
                }
                parts.throttle().acquire(erasable.size());
            }
            if (passEnds) {
                if (!foundInPass) {
                    break;
                }
                progress = new TaskProgress(progress.totalCount(), progress.erasedByType(), null,
                        progress.pass() + 1, List.of(), progress.erasedDigest());
                foundInPass = false;
                keptInPass.clear();
                keptInPassCount = 0;
            }
        }
        progress = new TaskProgress(progress.erasedCount(), progress.erasedByType(), null, progress.pass(), List.of(),
                progress.erasedDigest(), keptInPassCount, keptInPass);
        finish(TaskState.COMPLETED, null);
        LOG.info("job {}: patient {} completed, {} resources purged in {} passes", task.jobId(), scope.ownerId(),
                progress.erasedCount(), progress.pass());
    }

    /**
     * The members of a page this purge erases: all of them, or under the shared-resource policy {@code keep} those in
     * no other patient's compartment; the others are noted as kept in this pass. The pass that finds nothing else to
     * erase lists exactly the members kept.
     */
    private List<ResourceKey> erasableOf(List<ResourceKey> items) throws InterruptedException {
        if (sharedResources != SharedResourcePolicy.KEEP_SHARED || items.isEmpty()) {
            return items;
        }
        CompartmentInspector inspector = inspector();
        List<ResourceKey> erasable = new ArrayList<>(items.size());
        for (ResourceKey k : items) {
            boolean shared = !parts.retrier().call(task.jobId(), "read member", () -> inspector.otherOwners(k))
                    .isEmpty();
            if (!shared) {
                erasable.add(k);
            } else {
                keptInPassCount++;
                if (keptInPass.size() < TaskProgress.KEPT_LISTED) {
                    keptInPass.add(k);
                }
            }
        }
        return erasable;
    }

    private CompartmentInspector inspector() {
        if (inspector == null) {
            inspector = new CompartmentInspector(parts.finder(), parts.reader(), scope.definition(),
                    parts.extractor(), scope.ownerId(), batchSize);
        }
        return inspector;
    }

    /**
     * The outside-reference check of {@link OutsideReferencePolicy#FAIL}: a pass over the whole compartment that
     * erases nothing; the error reason when anything outside references into it, else {@code null}.
     */
    private String outsideReferencesReason() throws InterruptedException {
        CompartmentInspector inspector = inspector();
        List<IndexedReference> named = new ArrayList<>();
        long found = 0;
        String cursor = null;
        do {
            requireLease();
            String from = cursor;
            ResourcePage page = parts.retrier().call(task.jobId(), "find members",
                    () -> parts.finder().findMembers(scope, from, batchSize));
            List<ResourceKey> erasable = erasableOf(page.items());
            List<IndexedReference> outside = parts.retrier().call(task.jobId(), "find referrers",
                    () -> inspector.outsideReferences(erasable));
            found += outside.size();
            for (IndexedReference r : outside) {
                if (named.size() < VerifiedErase.NAMED) {
                    named.add(r);
                }
            }
            cursor = page.nextPageToken();
        } while (cursor != null);
        keptInPass.clear();
        keptInPassCount = 0;
        if (found == 0) {
            return null;
        }
        return found + " reference" + (found == 1 ? "" : "s") + " from outside the compartment point into it "
                + "(outside-reference policy 'fail'), so nothing of it was erased: "
                + String.join(", ", named.stream().map(r -> r.source() + " " + r.paramName() + " -> " + r.target())
                .toList()) + (found > named.size() ? ", ..." : "");
    }

    /**
     * The step of {@link OutsideReferencePolicy#REMOVE_REFERENCES}: every resource outside the compartment that
     * references into the batch gets a new version without those references, reindexed. Run after the batch's
     * write-ahead checkpoint and before its erase; a crash in between leaves a rewrite that a second run finds
     * nothing more to do for.
     */
    private void removeOutsideReferences(List<ResourceKey> batch) throws InterruptedException {
        CompartmentInspector inspector = inspector();
        List<IndexedReference> outside = parts.retrier().call(task.jobId(), "find referrers",
                () -> inspector.outsideReferences(batch));
        if (outside.isEmpty()) {
            return;
        }
        Map<ResourceKey, Set<ResourceKey>> bySource = new LinkedHashMap<>();
        outside.forEach(r -> bySource.computeIfAbsent(r.source(), s -> new HashSet<>()).add(r.target()));
        FhirContext ctx = FhirContext.forR4Cached();
        List<ResourceWrite> rewrites = new ArrayList<>();
        for (Map.Entry<ResourceKey, Set<ResourceKey>> e : bySource.entrySet()) {
            Optional<StoredResource> stored = parts.retrier().call(task.jobId(), "read referrer",
                    () -> parts.reader().read(e.getKey()));
            if (stored.isEmpty() || stored.get().deleted() || stored.get().json() == null) {
                continue;
            }
            IBaseResource referrer = ctx.newJsonParser().parseResource(stored.get().json());
            if (parts.extractor().removeReferences(referrer, e.getValue()) > 0) {
                rewrites.add(parts.extractor().toWrite(referrer, parts.clock().instant()));
            }
        }
        if (!rewrites.isEmpty()) {
            parts.retrier().call(task.jobId(), "rewrite referrers", () -> parts.writer().write(rewrites));
            LOG.info("job {}: patient {}: removed {} references from {} resources outside the compartment",
                    task.jobId(), scope.ownerId(), outside.size(), rewrites.size());
        }
    }

    private void count() throws InterruptedException {
        long total = parts.retrier().call(task.jobId(), "count", () -> parts.finder().countMembers(scope));
        progress = new TaskProgress(total, progress.erasedByType(), progress.cursor(), progress.pass(), List.of(),
                progress.erasedDigest());
    }
}
