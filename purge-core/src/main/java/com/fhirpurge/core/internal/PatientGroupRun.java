package com.fhirpurge.core.internal;

import com.fhirpurge.spi.CompartmentScope;
import com.fhirpurge.spi.EraseMode;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourcePage;
import com.fhirpurge.spi.TaskControl;
import com.fhirpurge.spi.TaskProgress;
import com.fhirpurge.spi.TaskRecord;
import com.fhirpurge.spi.TaskState;
import com.fhirpurge.spi.TaskUpdate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Purges a group of patients whose whole compartment fitted in one page, sharing the commits a patient would pay on
 * its own.
 *
 * <p>A patient run alone costs four commits (claim, write-ahead checkpoint, erase, finish) and two reads (its page
 * and the sweep that finds nothing more); with a hundred resources a patient, these cost more than the deletes. A
 * group pays one claim, one read of the members' pages ({@code ResourceFinder.findFirstPages}), one checkpoint of
 * every member's pending batch, an erase per {@code batchSize} resources of the members together, one sweep read
 * and one final write, while every patient keeps its own counts, listener events and sweep.
 *
 * <p><b>The same guarantees as alone.</b> Every member's batch is checkpointed as pending before anything is erased,
 * so a worker that dies mid-group leaves each member to be settled by what the store no longer holds, exactly as
 * {@link PatientPurgeRun} settles it. A member whose lease is lost at the checkpoint is left to its new owner and
 * nothing of it is erased; a member whose job is being cancelled ends cancelled with nothing erased. Each member is
 * swept again after the erase: one whose compartment gained members meanwhile goes on alone, from its second pass.
 * A resource in the compartments of two members is erased once and counted for the first.
 *
 * <p><b>Failures.</b> The group is an optimization, never a second error path: when a store call fails (after its
 * retries), the members not yet finished are handed back to run alone from what has been checkpointed, where a
 * persisting failure ends each in error with its own reason.
 */
final class PatientGroupRun {

    private static final Logger LOG = LoggerFactory.getLogger(PatientGroupRun.class);

    /**
     * A patient of the group with the first page of its compartment. Equal only to itself: the group looks members up
     * by every erased key, and a record's equality would hash the compartment definition and the page each time.
     */
    static final class Member {
        private final ActiveTask task;
        private final CompartmentScope scope;
        private final ResourcePage page;

        /**
         * A member.
         *
         * @param task  the leased task
         * @param scope the patient's compartment
         * @param page  the first page, which is the whole compartment
         */
        Member(ActiveTask task, CompartmentScope scope, ResourcePage page) {
            this.task = task;
            this.scope = scope;
            this.page = page;
        }

        ActiveTask task() {
            return task;
        }

        CompartmentScope scope() {
            return scope;
        }

        ResourcePage page() {
            return page;
        }
    }

    /**
     * A member that goes on alone.
     *
     * @param task        the leased task
     * @param from        the progress to go on from
     * @param errorReason when not {@code null}, the member only has to end in error with this reason
     */
    record Continuation(ActiveTask task, TaskProgress from, String errorReason) {

        Continuation(ActiveTask task, TaskProgress from) {
            this(task, from, null);
        }
    }

    private final List<Member> members;
    private final EngineParts parts;
    private final int batchSize;
    private final List<Continuation> continuations = new ArrayList<>();
    private final Map<Member, List<ResourceKey>> residue = new HashMap<>();

    PatientGroupRun(List<Member> members, EngineParts parts, int batchSize) {
        this.members = members;
        this.parts = parts;
        this.batchSize = batchSize;
    }

    /**
     * Runs the group.
     *
     * @return the members that go on alone, each with the progress to go on from
     * @throws InterruptedException when interrupted
     */
    List<Continuation> run() throws InterruptedException {
        String jobs = jobsOf(members);
        // Each member's batch: its page, less what an earlier member of the group already claims.
        Set<ResourceKey> seen = new HashSet<>();
        Map<Member, TaskProgress> announced = new LinkedHashMap<>();
        for (Member m : members) {
            List<ResourceKey> own = new ArrayList<>(m.page().items().size());
            for (ResourceKey k : m.page().items()) {
                if (seen.add(k)) {
                    own.add(k);
                }
            }
            announced.put(m, new TaskProgress((long) own.size(), Map.of(), null, 1, own));
        }
        List<TaskControl> answers;
        try {
            answers = writeAll(jobs, "checkpoint", announced.entrySet().stream()
                    .map(e -> TaskUpdate.checkpoint(e.getKey().task().taskId(), e.getKey().task().lease(),
                            e.getValue())).toList());
        } catch (RuntimeException e) {
            LOG.warn("jobs {}: the checkpoint of a group of {} patients failed ({}); each goes on alone", jobs,
                    members.size(), e.getMessage());
            members.forEach(m -> continuations.add(new Continuation(m.task(), m.task().claimed().progress())));
            return continuations;
        }
        List<Member> erasing = new ArrayList<>();
        List<Member> cancelled = new ArrayList<>();
        List<Member> failed = new ArrayList<>();
        List<TaskUpdate> finals = new ArrayList<>();
        int i = 0;
        for (Map.Entry<Member, TaskProgress> e : announced.entrySet()) {
            Member m = e.getKey();
            TaskControl answer = answers.get(i++);
            if (answer == TaskControl.LEASE_LOST || m.task().leaseLost()) {
                LOG.warn("job {}: lost the lease on task {}; its new owner continues", m.task().jobId(),
                        m.task().taskId());
            } else if (answer == TaskControl.CANCEL_REQUESTED || m.task().cancelRequested()) {
                m.task().requestCancel();
                cancelled.add(m);
                finals.add(TaskUpdate.finish(m.task().taskId(), m.task().lease(), TaskState.CANCELLED,
                        cleared(e.getValue()), null));
            } else {
                erasing.add(m);
            }
        }
        Map<Member, List<ResourceKey>> erased;
        try {
            erased = erase(jobs, erasing, announced);
        } catch (RuntimeException e) {
            LOG.warn("jobs {}: erasing a group of {} patients failed ({}); each goes on alone from its checkpoint",
                    jobs, erasing.size(), e.getMessage());
            erasing.forEach(m -> continuations.add(new Continuation(m.task(), announced.get(m))));
            if (writeFinals(jobs, finals) == null) {
                cancelled.forEach(m -> continuations.add(new Continuation(m.task(), cleared(announced.get(m)))));
            }
            return continuations;
        }
        for (Member m : erasing) {
            TaskRun.notifyListeners(parts, m.task().jobId(), m.task().taskId(), EraseMode.HARD_DELETE, erased.get(m));
        }
        List<ResourcePage> sweeps;
        try {
            sweeps = parts.retrier().call(jobs, "find members", () -> parts.finder().findFirstPages(
                    erasing.stream().map(Member::scope).toList(), batchSize));
        } catch (RuntimeException e) {
            LOG.warn("jobs {}: the sweep of a group of {} patients failed ({}); each goes on alone", jobs,
                    erasing.size(), e.getMessage());
            sweeps = null;
        }
        List<Member> completed = new ArrayList<>();
        for (int j = 0; j < erasing.size(); j++) {
            Member m = erasing.get(j);
            TaskProgress after = swept(announced.get(m), erased.get(m));
            if (residue.containsKey(m)) {
                String reason = VerifiedErase.reason(residue.get(m));
                LOG.error("job {}: patient {}: {}", m.task().jobId(), m.scope().ownerId(), reason);
                failed.add(m);
                finals.add(TaskUpdate.finish(m.task().taskId(), m.task().lease(), TaskState.ERROR,
                        new TaskProgress(announced.get(m).totalCount(), after.erasedByType(), null, 1, List.of(),
                                after.erasedDigest()),
                        reason));
                continue;
            }
            if (sweeps == null || !sweeps.get(j).items().isEmpty()) {
                // The sweep failed, or found resources written into the compartment meanwhile: go on alone.
                continuations.add(new Continuation(m.task(), after));
                continue;
            }
            finals.add(TaskUpdate.finish(m.task().taskId(), m.task().lease(), TaskState.COMPLETED,
                    new TaskProgress(after.erasedCount(), after.erasedByType(), null, 2, List.of(),
                            after.erasedDigest()), null));
            completed.add(m);
        }
        List<TaskControl> written = writeFinals(jobs, finals);
        if (written == null) {
            cancelled.forEach(m -> continuations.add(new Continuation(m.task(), cleared(announced.get(m)))));
            failed.forEach(m -> continuations.add(new Continuation(m.task(), swept(announced.get(m),
                    erased.get(m)), VerifiedErase.reason(residue.get(m)))));
            completed.forEach(m -> continuations.add(new Continuation(m.task(), swept(announced.get(m),
                    erased.get(m)))));
            return continuations;
        }
        for (Member m : completed) {
            LOG.info("job {}: patient {} completed, {} resources purged in 2 passes (in a group of {})",
                    m.task().jobId(), m.scope().ownerId(), erased.get(m).size(), members.size());
        }
        return continuations;
    }

    /** Erases the members' batches in chunks of at most {@code batchSize} resources, each key under its member. */
    private Map<Member, List<ResourceKey>> erase(String jobs, List<Member> erasing,
                                                 Map<Member, TaskProgress> announced) throws InterruptedException {
        Map<ResourceKey, Member> owner = new HashMap<>();
        Map<Member, List<ResourceKey>> erased = new LinkedHashMap<>();
        List<ResourceKey> chunk = new ArrayList<>(batchSize);
        for (Member m : erasing) {
            erased.put(m, new ArrayList<>());
            for (ResourceKey k : announced.get(m).pending()) {
                owner.put(k, m);
                chunk.add(k);
                if (chunk.size() == batchSize) {
                    eraseChunk(jobs, chunk, owner, erased);
                    chunk = new ArrayList<>(batchSize);
                }
            }
        }
        if (!chunk.isEmpty()) {
            eraseChunk(jobs, chunk, owner, erased);
        }
        return erased;
    }

    private void eraseChunk(String jobs, List<ResourceKey> chunk, Map<ResourceKey, Member> owner,
                            Map<Member, List<ResourceKey>> erased) throws InterruptedException {
        VerifiedErase.Outcome outcome = VerifiedErase.run(parts, jobs, chunk);
        for (ResourceKey k : outcome.erased()) {
            erased.get(owner.get(k)).add(k);
        }
        for (ResourceKey k : outcome.residue()) {
            residue.computeIfAbsent(owner.get(k), m -> new ArrayList<>()).add(k);
        }
        parts.throttle().acquire(chunk.size());
    }

    /** Writes the final states; {@code null} when the write failed and the members must go on alone. */
    private List<TaskControl> writeFinals(String jobs, List<TaskUpdate> finals) throws InterruptedException {
        if (finals.isEmpty()) {
            return List.of();
        }
        for (TaskUpdate f : finals) {
            parts.records().ended(taskOf(f.taskId()), f.finalState(), f.progress(), f.errorReason());
        }
        try {
            List<TaskControl> answers = writeAll(jobs, "finish", finals);
            for (int i = 0; i < answers.size(); i++) {
                if (answers.get(i) == TaskControl.LEASE_LOST) {
                    LOG.warn("jobs {}: lost the lease on task {} before its final write; its new owner settles it",
                            jobs, finals.get(i).taskId());
                }
            }
            return answers;
        } catch (RuntimeException e) {
            LOG.warn("jobs {}: the final write of a group failed ({}); each member finishes alone", jobs,
                    e.getMessage());
            return null;
        }
    }

    private List<TaskControl> writeAll(String jobs, String what, List<TaskUpdate> updates)
            throws InterruptedException {
        return parts.retrier().call(jobs, what + " of " + updates.size() + " tasks",
                () -> parts.jobs().writeAll(updates, parts.clock().instant()));
    }

    /** The checkpointed progress with the erased keys counted, at the start of the sweeping second pass. */
    private static TaskProgress swept(TaskProgress announced, List<ResourceKey> erased) {
        return TaskRun.withErased(new TaskProgress(announced.totalCount(), Map.of(), null, 2, List.of()), erased);
    }

    /** The checkpointed progress without its pending batch: nothing of it was erased. */
    private static TaskProgress cleared(TaskProgress announced) {
        return new TaskProgress(announced.totalCount(), Map.of(), null, 1, List.of());
    }

    private TaskRecord taskOf(String taskId) {
        return members.stream().map(m -> m.task().claimed()).filter(t -> t.taskId().equals(taskId)).findFirst()
                .orElseThrow();
    }

    private static String jobsOf(List<Member> members) {
        return String.join(",", members.stream().map(m -> m.task().jobId()).distinct().toList());
    }
}
