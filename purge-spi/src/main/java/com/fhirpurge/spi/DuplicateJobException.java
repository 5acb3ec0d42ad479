package com.fhirpurge.spi;

/**
 * A job could not be created because a job with the same id already exists. Carries the conflicting id.
 */
public class DuplicateJobException extends PurgeException {

    private static final long serialVersionUID = 1L;

    private final String jobId;

    /**
     * Creates the exception.
     *
     * @param jobId the id that already exists
     */
    public DuplicateJobException(String jobId) {
        super("Job " + jobId + " already exists");
        this.jobId = jobId;
    }

    /**
     * The conflicting job id.
     *
     * @return the job id
     */
    public String jobId() {
        return jobId;
    }
}
