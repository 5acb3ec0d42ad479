package com.fhirpurge.core.internal;

import static com.fhirpurge.spi.TaskState.CANCELLED;
import static com.fhirpurge.spi.TaskState.COMPLETED;
import static com.fhirpurge.spi.TaskState.ERROR;
import static com.fhirpurge.spi.TaskState.NEW;
import static com.fhirpurge.spi.TaskState.PROCESSING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fhirpurge.spi.TaskState;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskStateMachineTest {

    @Test
    void theTransitionTableAllowsExactlyTheDocumentedMoves() {
        Set<String> allowed = Set.of("NEW>PROCESSING", "NEW>CANCELLED", "PROCESSING>PROCESSING",
                "PROCESSING>COMPLETED", "PROCESSING>ERROR", "PROCESSING>CANCELLED");
        for (TaskState from : TaskState.values()) {
            for (TaskState to : TaskState.values()) {
                assertThat(TaskStateMachine.canMove(from, to)).as(from + ">" + to)
                        .isEqualTo(allowed.contains(from + ">" + to));
            }
        }
        assertThatThrownBy(() -> TaskStateMachine.requireMove(COMPLETED, PROCESSING))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("COMPLETED");
    }

    @Test
    void onlyCompletedErrorAndCancelledAreFinal() {
        assertThat(EnumSet.allOf(TaskState.class).stream().filter(TaskStateMachine::isFinal))
                .containsExactlyInAnyOrder(COMPLETED, ERROR, CANCELLED);
    }

    @Test
    void aJobsStateIsDerivedFromItsTasks() {
        assertThat(TaskStateMachine.jobState(List.of(NEW, NEW))).isEqualTo(NEW);
        assertThat(TaskStateMachine.jobState(List.of(NEW, PROCESSING))).isEqualTo(PROCESSING);
        assertThat(TaskStateMachine.jobState(List.of(NEW, COMPLETED))).isEqualTo(PROCESSING);
        assertThat(TaskStateMachine.jobState(List.of(ERROR, PROCESSING))).isEqualTo(PROCESSING);
        assertThat(TaskStateMachine.jobState(List.of(COMPLETED, COMPLETED))).isEqualTo(COMPLETED);
        assertThat(TaskStateMachine.jobState(List.of(COMPLETED, ERROR))).isEqualTo(ERROR);
        assertThat(TaskStateMachine.jobState(List.of(ERROR, CANCELLED, COMPLETED))).isEqualTo(CANCELLED);
        assertThat(TaskStateMachine.jobState(List.of())).isEqualTo(COMPLETED);
    }
}
