package com.fhirpurge.mongo;

import com.mongodb.MongoSocketWriteException;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps a client so that a test can make a write fail as a dropped connection would: after {@link #failAfter(int)}
 * the given number of write operations (on any collection of any database of the client) succeed, and the next one
 * throws a {@link MongoSocketWriteException} without reaching the server. Sessions and reads pass through.
 */
final class FaultyMongo {

    private static final Set<String> WRITES = Set.of("insertOne", "insertMany", "deleteOne", "deleteMany",
            "updateOne", "updateMany", "replaceOne", "bulkWrite", "findOneAndUpdate", "findOneAndDelete",
            "findOneAndReplace");

    private final AtomicInteger writesLeft = new AtomicInteger(-1);
    private final MongoClient client;

    /**
     * Wraps a client.
     *
     * @param delegate the real client
     */
    FaultyMongo(MongoClient delegate) {
        this.client = (MongoClient) proxy(MongoClient.class, delegate);
    }

    /**
     * The wrapped client.
     *
     * @return the client to hand to the code under test
     */
    MongoClient client() {
        return client;
    }

    /**
     * Arms the fault.
     *
     * @param writes how many writes still succeed before one fails
     */
    void failAfter(int writes) {
        writesLeft.set(writes);
    }

    private Object proxy(Class<?> type, Object target) {
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
            if (type == MongoCollection.class && WRITES.contains(method.getName())) {
                int left = writesLeft.getAndUpdate(n -> n > 0 ? n - 1 : -1);
                if (left == 0) {
                    throw new MongoSocketWriteException("injected fault", new ServerAddress(),
                            new java.io.IOException("connection reset (injected)"));
                }
            }
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (result instanceof MongoDatabase db) {
                return proxy(MongoDatabase.class, db);
            }
            if (result instanceof MongoCollection<?> c) {
                return proxy(MongoCollection.class, c);
            }
            return result;
        });
    }
}
