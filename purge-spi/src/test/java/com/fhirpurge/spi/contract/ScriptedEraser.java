package com.fhirpurge.spi.contract;

import com.fhirpurge.spi.ResourceEraser;
import com.fhirpurge.spi.ResourceKey;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An eraser that delegates to a real one and runs test hooks around each hard delete, numbered from 1: to pause a
 * batch, fail it, or kill the worker after it committed.
 */
public final class ScriptedEraser implements ResourceEraser {

    /** A hook around one hard-delete call. */
    public interface Hook {
        /**
         * Runs the hook.
         *
         * @param call  the hard-delete call number, from 1
         * @param batch the batch
         * @throws Exception anything; errors pass through as they are
         */
        void run(int call, Collection<ResourceKey> batch) throws Exception;
    }

    private final ResourceEraser delegate;
    private final AtomicInteger calls = new AtomicInteger();
    private volatile Hook before = (n, b) -> { };
    private volatile Hook after = (n, b) -> { };

    /**
     * Wraps an eraser.
     *
     * @param delegate the real eraser
     */
    public ScriptedEraser(ResourceEraser delegate) {
        this.delegate = delegate;
    }

    /**
     * Sets the hook run before each hard delete.
     *
     * @param hook the hook
     * @return this
     */
    public ScriptedEraser before(Hook hook) {
        this.before = hook;
        return this;
    }

    /**
     * Sets the hook run after each hard delete committed.
     *
     * @param hook the hook
     * @return this
     */
    public ScriptedEraser after(Hook hook) {
        this.after = hook;
        return this;
    }

    /**
     * Hard-delete calls so far.
     *
     * @return the count
     */
    public int calls() {
        return calls.get();
    }

    @Override
    public List<ResourceKey> hardDelete(Collection<ResourceKey> batch) {
        int n = calls.incrementAndGet();
        invoke(before, n, batch);
        List<ResourceKey> erased = delegate.hardDelete(batch);
        invoke(after, n, batch);
        return erased;
    }

    private static void invoke(Hook hook, int n, Collection<ResourceKey> batch) {
        try {
            hook.run(n, batch);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<ResourceKey> softDelete(Collection<ResourceKey> batch, Instant at) {
        return delegate.softDelete(batch, at);
    }

    @Override
    public List<ResourceKey> purgeHistory(Collection<ResourceKey> batch) {
        return delegate.purgeHistory(batch);
    }
}
