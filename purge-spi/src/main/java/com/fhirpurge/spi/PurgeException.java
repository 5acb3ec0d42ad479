package com.fhirpurge.spi;

/**
 * Root of every exception the library and its storage adapters throw. Unchecked: callers handle the typed
 * subclasses they care about and let the rest propagate.
 */
public class PurgeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what went wrong, naming the ids involved
     */
    public PurgeException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and a cause.
     *
     * @param message what went wrong, naming the ids involved
     * @param cause   the underlying failure
     */
    public PurgeException(String message, Throwable cause) {
        super(message, cause);
    }
}
