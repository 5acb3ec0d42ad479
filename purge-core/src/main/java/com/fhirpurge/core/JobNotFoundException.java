package com.fhirpurge.core;

import com.fhirpurge.spi.PurgeException;

/** No job with the given id exists (never did, or it was forgotten). Carries the id. */
public class JobNotFoundException extends PurgeException {

    private static final long serialVersionUID = 1L;

    private final String jobId;

    /**
     * Creates the exception.
     *
     * @param jobId the unknown id
     */
    public JobNotFoundException(String jobId) {
        super("No job with id " + jobId);
        this.jobId = jobId;
    }

    /**
     * The unknown job id.
     *
     * @return the id
     */
    public String jobId() {
        return jobId;
    }
}
