package com.fhirpurge.mongo.internal;

import com.fhirpurge.spi.StoreException;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoExecutionTimeoutException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import java.util.Set;
import java.util.function.Supplier;
import org.bson.Document;

/**
 * Runs units of MongoDB work, in a transaction when the deployment supports them, and translates every
 * {@link MongoException} once, here, into a {@link StoreException} that keeps the server's error code and says
 * whether a retry may succeed.
 */
public final class MongoCalls {

    /**
     * A unit of work.
     *
     * @param <T> its result
     */
    @FunctionalInterface
    public interface Work<T> {
        /**
         * Does the work.
         *
         * @param session the transaction's session, or {@code null} when the work runs without a transaction
         * @return the result
         */
        T run(ClientSession session);
    }

    /** Server error codes after which the same operation may succeed. */
    private static final Set<Integer> TRANSIENT_CODES = Set.of(6, 7, 89, 91, 112, 189, 262, 9001, 10107, 11600,
            11602, 13435, 13436, 251);

    private final MongoClient client;
    private final MongoDatabase database;
    private volatile Boolean transactional;

    /**
     * Creates a runner.
     *
     * @param client   the client to start sessions on, or {@code null} to never use transactions
     * @param database the database (its {@code hello} reply tells whether transactions are supported)
     */
    public MongoCalls(MongoClient client, MongoDatabase database) {
        this.client = client;
        this.database = database;
        if (client == null) {
            transactional = Boolean.FALSE;
        }
    }

    /**
     * Whether batches run in transactions: a client was given and the deployment is a replica set or a sharded
     * cluster. Asked once, on first use.
     *
     * @return {@code true} when transactions are used
     * @throws StoreException when the server cannot be asked
     */
    public boolean transactional() {
        Boolean t = transactional;
        if (t == null) {
            t = call("detect transaction support", this::detect);
            transactional = t;
        }
        return t;
    }

    private boolean detect() {
        Document hello;
        try {
            hello = database.runCommand(new Document("hello", 1));
        } catch (MongoCommandException e) {
            hello = database.runCommand(new Document("isMaster", 1));
        }
        boolean replicaSet = hello.get("setName") != null;
        boolean mongos = "isdbgrid".equals(hello.get("msg"));
        boolean sessions = hello.get("logicalSessionTimeoutMinutes") != null;
        return sessions && (replicaSet || mongos);
    }

    /**
     * Runs a batch: in one transaction (committed when the work returns, aborted when it throws) when
     * {@link #transactional()}, else directly, with a {@code null} session.
     *
     * @param what what the work does, for the error message
     * @param work the work
     * @param <T>  the result type
     * @return the work's result
     * @throws StoreException when the server fails
     */
    public <T> T inBatch(String what, Work<T> work) {
        if (!transactional()) {
            return call(what, () -> work.run(null));
        }
        return call(what, () -> {
            try (ClientSession session = client.startSession()) {
                return session.withTransaction(() -> work.run(session));
            }
        });
    }

    /**
     * Runs work that needs no transaction, translating failures.
     *
     * @param what what the work does, for the error message
     * @param work the work
     * @param <T>  the result type
     * @return the work's result
     * @throws StoreException when the server fails
     */
    public static <T> T call(String what, Supplier<T> work) {
        try {
            return work.get();
        } catch (MongoException e) {
            throw translate(what, e);
        }
    }

    /**
     * Translates a driver exception.
     *
     * @param what what failed
     * @param e    the driver exception
     * @return the store exception, carrying the server error code as vendor state
     */
    public static StoreException translate(String what, MongoException e) {
        return new StoreException(what + " failed: " + e.getMessage(), e, isTransient(e), String.valueOf(e.getCode()));
    }

    private static boolean isTransient(MongoException e) {
        return e instanceof MongoSocketException || e instanceof MongoTimeoutException
                || e instanceof MongoNotPrimaryException || e instanceof MongoNodeIsRecoveringException
                || e instanceof MongoExecutionTimeoutException
                || e.hasErrorLabel(MongoException.TRANSIENT_TRANSACTION_ERROR_LABEL)
                || e.hasErrorLabel("RetryableWriteError")
                || TRANSIENT_CODES.contains(e.getCode());
    }
}
