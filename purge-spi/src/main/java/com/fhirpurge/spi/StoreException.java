package com.fhirpurge.spi;

/**
 * A storage operation failed. Adapters translate their driver's exceptions into this one, once, at the
 * boundary, keeping the vendor's error identity ({@link #vendorState()}, for JDBC the SQL state).
 *
 * <p>{@link #isTransient()} tells the engine whether retrying the same operation may succeed (a dropped
 * connection, a deadlock, a lock timeout, a failover). The engine retries transient failures with backoff and
 * turns permanent ones into a task error that keeps this exception's message as the reason.
 */
public class StoreException extends PurgeException {

    private static final long serialVersionUID = 1L;

    private final boolean transientFailure;
    private final String vendorState;

    /**
     * Creates a store exception.
     *
     * @param message          what failed, naming the ids involved (never resource contents)
     * @param cause            the driver's exception, may be {@code null}
     * @param transientFailure whether a retry of the same operation may succeed
     * @param vendorState      the vendor's error identity (SQL state, server error code), may be {@code null}
     */
    public StoreException(String message, Throwable cause, boolean transientFailure, String vendorState) {
        super(message, cause);
        this.transientFailure = transientFailure;
        this.vendorState = vendorState;
    }

    /**
     * Creates a store exception without vendor state.
     *
     * @param message          what failed
     * @param cause            the driver's exception, may be {@code null}
     * @param transientFailure whether a retry of the same operation may succeed
     */
    public StoreException(String message, Throwable cause, boolean transientFailure) {
        this(message, cause, transientFailure, null);
    }

    /**
     * Whether a retry of the same operation may succeed.
     *
     * @return {@code true} for transient failures (connection loss, deadlock, timeout)
     */
    public boolean isTransient() {
        return transientFailure;
    }

    /**
     * The vendor's error identity, e.g. the SQL state.
     *
     * @return the state, or {@code null} when the store has none
     */
    public String vendorState() {
        return vendorState;
    }
}
