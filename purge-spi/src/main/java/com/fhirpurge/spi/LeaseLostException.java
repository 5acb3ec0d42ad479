package com.fhirpurge.spi;

/**
 * A fenced write (heartbeat, checkpoint, finish, release) was refused because the caller no longer holds the
 * task's lease: it expired and another owner claimed the task (the fence moved on), or the task reached a final
 * state. The caller must stop working on the task at once and must not retry the write.
 */
public class LeaseLostException extends PurgeException {

    private static final long serialVersionUID = 1L;

    private final String taskId;
    private final String owner;
    private final long fence;

    /**
     * Creates the exception.
     *
     * @param taskId the task whose lease was lost
     * @param owner  the owner that tried to write
     * @param fence  the fence the owner presented
     */
    public LeaseLostException(String taskId, String owner, long fence) {
        super("Lease lost on task " + taskId + " by owner " + owner + " (fence " + fence + ")");
        this.taskId = taskId;
        this.owner = owner;
        this.fence = fence;
    }

    /**
     * The task whose lease was lost.
     *
     * @return the task id
     */
    public String taskId() {
        return taskId;
    }

    /**
     * The owner that tried to write.
     *
     * @return the owner id
     */
    public String owner() {
        return owner;
    }

    /**
     * The fence the stale owner presented.
     *
     * @return the fence
     */
    public long fence() {
        return fence;
    }
}
