package com.fhirpurge.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source that, once armed, fails the n-th statement execution or commit with a connection error, as a dropped
 * connection mid-transaction would, or holds the next commit until released, as a transaction still open on another
 * node would. Test support only.
 */
final class FaultyDataSource implements DataSource {

    private static final Set<String> EXECUTIONS = Set.of("execute", "executeQuery", "executeUpdate", "executeBatch");

    private final DataSource delegate;
    private final AtomicInteger countdown = new AtomicInteger(-1);
    private final AtomicReference<CommitHold> hold = new AtomicReference<>();

    FaultyDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    /** Fails the {@code n}-th statement execution or commit from now on (1 = the next one). */
    void failExecution(int n) {
        countdown.set(n);
    }

    /** Holds the next commit, its transaction's locks still taken, until the returned hold is released. */
    CommitHold holdNextCommit() {
        CommitHold next = new CommitHold();
        hold.set(next);
        return next;
    }

    /** A commit held back: the transaction has done its work and waits for {@link #release()} to commit. */
    static final class CommitHold {
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        /** Waits until a transaction has reached the held commit. */
        void awaitReached() throws InterruptedException {
            if (!reached.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("no transaction reached its commit");
            }
        }

        /** Lets the held commit go on. */
        void release() {
            released.countDown();
        }

        private void await() throws InterruptedException {
            reached.countDown();
            if (!released.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the held commit was never released");
            }
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        return wrap(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return wrap(delegate.getConnection(username, password));
    }

    private Connection wrap(Connection connection) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("commit")) {
                failIfDue();
                CommitHold held = hold.getAndSet(null);
                if (held != null) {
                    held.await();
                }
            }
            Object result = invoke(connection, method, args);
            if (result instanceof PreparedStatement ps && method.getName().equals("prepareStatement")) {
                return statement(ps);
            }
            return result;
        };
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                handler);
    }

    private PreparedStatement statement(PreparedStatement ps) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (EXECUTIONS.contains(method.getName())) {
                failIfDue();
            }
            return invoke(ps, method, args);
        };
        return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, handler);
    }

    private void failIfDue() throws SQLException {
        if (countdown.get() > 0 && countdown.decrementAndGet() == 0) {
            countdown.set(-1);
            throw new SQLException("Injected connection failure", "08006");
        }
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return delegate.isWrapperFor(iface);
    }
}
