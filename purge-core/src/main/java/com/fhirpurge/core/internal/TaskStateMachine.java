package com.fhirpurge.core.internal;

import com.fhirpurge.spi.TaskState;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The one transition table of task states, and the rule that derives a job's state from its tasks.
 *
 * <pre>
 * new ──► processing ──► completed
 *  │        │  ▲ (lease expired: another worker resumes from the checkpoint)
 *  │        ├──┘
 *  │        ├──► error
 *  └────────┴──► cancelled
 * </pre>
 *
 * Completed, error and cancelled are final: nothing leaves them.
 */
public final class TaskStateMachine {

    private static final Map<TaskState, Set<TaskState>> ALLOWED = new EnumMap<>(TaskState.class);

    static {
        ALLOWED.put(TaskState.NEW, EnumSet.of(TaskState.PROCESSING, TaskState.CANCELLED));
        ALLOWED.put(TaskState.PROCESSING, EnumSet.of(TaskState.PROCESSING, TaskState.COMPLETED, TaskState.ERROR,
                TaskState.CANCELLED));
        ALLOWED.put(TaskState.COMPLETED, EnumSet.noneOf(TaskState.class));
        ALLOWED.put(TaskState.ERROR, EnumSet.noneOf(TaskState.class));
        ALLOWED.put(TaskState.CANCELLED, EnumSet.noneOf(TaskState.class));
    }

    private TaskStateMachine() {
    }

    /**
     * Whether a transition is allowed.
     *
     * @param from the current state
     * @param to   the next state
     * @return {@code true} when the table allows it
     */
    public static boolean canMove(TaskState from, TaskState to) {
        return ALLOWED.get(from).contains(to);
    }

    /**
     * Checks a transition.
     *
     * @param from the current state
     * @param to   the next state
     * @throws IllegalStateException when the table does not allow it
     */
    public static void requireMove(TaskState from, TaskState to) {
        if (!canMove(from, to)) {
            throw new IllegalStateException("Task state cannot move from " + from + " to " + to);
        }
    }

    /**
     * Whether a state is final.
     *
     * @param state a state
     * @return {@code true} for completed, error and cancelled
     */
    public static boolean isFinal(TaskState state) {
        return ALLOWED.get(state).isEmpty();
    }

    /**
     * Derives a job's state from its tasks' states: new while all are new; processing while any is processing or
     * some are new and some final; once all are final, cancelled if any was cancelled, else error if any failed,
     * else completed. A job without tasks is completed.
     *
     * @param taskStates the states of the job's tasks
     * @return the job's state
     */
    public static TaskState jobState(Collection<TaskState> taskStates) {
        EnumSet<TaskState> present = taskStates.isEmpty() ? EnumSet.noneOf(TaskState.class)
                : EnumSet.copyOf(taskStates);
        if (present.equals(EnumSet.of(TaskState.NEW))) {
            return TaskState.NEW;
        }
        if (present.contains(TaskState.PROCESSING) || present.contains(TaskState.NEW)) {
            return TaskState.PROCESSING;
        }
        if (present.contains(TaskState.CANCELLED)) {
            return TaskState.CANCELLED;
        }
        if (present.contains(TaskState.ERROR)) {
            return TaskState.ERROR;
        }
        return TaskState.COMPLETED;
    }
}
