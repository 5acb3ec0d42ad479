package com.fhirpurge.server;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.PurgeConfig;
import com.fhirpurge.core.PurgeService;
import com.fhirpurge.core.audit.AuditEventErasureAudit;
import com.fhirpurge.core.audit.LoggingErasureAudit;
import com.fhirpurge.core.demo.SyntheticPatients;
import com.fhirpurge.core.fhir.ReferenceExtractor;
import com.fhirpurge.core.http.HttpBindingConfig;
import com.fhirpurge.core.http.PurgeHttpBinding;
import com.fhirpurge.spi.ResourceKey;
import com.fhirpurge.spi.ResourceWrite;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference server: {@code java -jar purge-server.jar [options]} (see {@link ServerOptions#usage()}).
 *
 * <p>Serves, under the FHIR base URL, the purge endpoints of {@link PurgeHttpBinding} and the minimal FHIR REST API of
 * {@link FhirRestApi}, on the JDK's {@link HttpServer} bound to 127.0.0.1, over the JDBC adapter (embedded H2 by
 * default) or the MongoDB adapter ({@code --mongo-uri}). Prints {@code Listening on <base URL>} once ready.
 *
 * <p>{@link #close()} stops in this order: the HTTP server (no new requests; running ones get a second), the progress
 * reporter, the purge service (workers finish their batch and release their leases), the storage (the JDBC connection
 * pool or the MongoDB client).
 */
public final class PurgeServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PurgeServer.class);

    /** The patients of the specification's {@code $bulk-purge} example, loaded by {@code --demo}, and their sizes. */
    static final String[] DEMO_PURGE = {"4a426db7-4fc4-4b19-8715-22a75cb67e03",
        "5aece5b6-3f64-4efd-9124-5236c8079559", "8a1915e6-32a6-4a33-9a10-78921cbf0f2e"};
    /** Patients {@code --demo} loads that the example does not purge. */
    static final String[] DEMO_KEEP = {"keep-ana", "keep-ben"};
    private static final int[] DEMO_SIZES = {400, 250, 120, 150, 150};

    static {
        // The JDK server reads these once, when its first instance is created. No Nagle delay on small responses,
        // and a request must arrive within a minute (a client that sends a partial request and waits is cut off).
        defaultProperty("sun.net.httpserver.nodelay", "true");
        defaultProperty("sun.net.httpserver.maxReqTime", "60");
    }

    private final HttpServer http;
    private final ExecutorService httpThreads;
    private final ServerStorage storage;
    private final PurgeService service;
    private final ProgressReporter progress;
    private final String baseUrl;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PurgeServer(HttpServer http, ExecutorService httpThreads, ServerStorage storage, PurgeService service,
                        ProgressReporter progress, String baseUrl) {
        this.http = http;
        this.httpThreads = httpThreads;
        this.storage = storage;
        this.service = service;
        this.progress = progress;
        this.baseUrl = baseUrl;
    }

    /**
     * The command line entry point. Exits with 2 on a bad command line, 1 when the server cannot start; otherwise
     * returns while the server runs, and a shutdown hook closes it on SIGTERM or Ctrl-C.
     *
     * @param args the options, see {@link ServerOptions#usage()}
     */
    public static void main(String[] args) {
        Launch launch = launch(args, System.out, System.err);
        if (launch.options() == null) {
            if (launch.exitCode() != 0) {
                System.exit(launch.exitCode());
            }
            return;
        }
        PurgeServer server;
        try {
            server = start(launch.options(), System.out);
        } catch (RuntimeException e) {
            System.err.println("purge-server: could not start: " + e.getMessage());
            LOG.debug("start-up failure", e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "purge-server-shutdown"));
    }

    /**
     * What {@link #main} does with a command line before starting anything.
     *
     * @param options  the options to start with, or {@code null} when the process ends at once
     * @param exitCode the exit status when it ends at once: 0 after {@code --help}, 2 for a bad command line
     */
    record Launch(ServerOptions options, int exitCode) {
    }

    /** Parses the command line; prints the help or the error with the usage. */
    static Launch launch(String[] args, PrintStream out, PrintStream err) {
        ServerOptions options;
        try {
            options = ServerOptions.parse(args);
        } catch (ServerOptions.UsageException e) {
            err.println("purge-server: " + e.getMessage());
            err.println();
            err.print(ServerOptions.usage());
            return new Launch(null, 2);
        }
        if (options.help()) {
            out.print(ServerOptions.usage());
            return new Launch(null, 0);
        }
        return new Launch(options, 0);
    }

    /**
     * Starts a server: binds the port, opens the storage, loads the demo patients if asked, starts the purge workers
     * and the HTTP server, then prints {@code Listening on <base URL>} to {@code out}.
     *
     * @param options the options
     * @param out     where the demo patients and the listening line are printed
     * @return the running server
     * @throws UncheckedIOException when the port cannot be bound
     * @throws com.fhirpurge.spi.StoreException when the storage cannot be opened
     */
    public static PurgeServer start(ServerOptions options, PrintStream out) {
        FhirContext ctx = FhirContext.forR4Cached();
        PurgeConfig.Builder configured = PurgeConfig.builder().workers(options.workers())
                .batchSize(options.batchSize()).throttlePerSecond(options.throttlePerSecond());
        ServerStorage storage = null;
        PurgeService service = null;
        HttpServer http = null;
        ExecutorService httpThreads = null;
        ProgressReporter progress = null;
        try {
            // Bound (not yet serving) first: with --port 0 the base URL, which the storage needs, has the port in it.
            http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port()), 64);
            int port = http.getAddress().getPort();
            String baseUrl = options.baseUrl() != null ? stripSlash(options.baseUrl())
                    : "http://127.0.0.1:" + port + "/fhir";
            // Absolute references under the server's own base are local, for the store's index and the dry run alike.
            PurgeConfig config = configured.localBaseUrls(List.of(baseUrl)).build();
            storage = ServerStorage.open(options, baseUrl, config.compartment());
            LOG.info("storage: {}", storage.describe());
            if (options.demo()) {
                loadDemo(ctx, storage, out);
            }
            // Every patient purge leaves its erasure record as an AuditEvent in the store and as a log line.
            service = PurgeService.builder(storage.purgeStorage()
                    .withAudit(new AuditEventErasureAudit(ctx, storage.writer()))
                    .withAudit(new LoggingErasureAudit())).config(config).build();
            String basePath = stripSlash(Objects.requireNonNullElse(URI.create(baseUrl).getRawPath(), ""));
            boolean auth = options.jwtSecret() != null;
            if (!auth) {
                LOG.warn("**********************************************************************************");
                LOG.warn("* AUTHENTICATION IS OFF (no --jwt-secret): every caller may read, write and purge. *");
                LOG.warn("* Use this only on a trusted machine; the server listens on 127.0.0.1 only.       *");
                LOG.warn("**********************************************************************************");
            }
            PurgeHttpBinding binding = new PurgeHttpBinding(service, ctx, new HttpBindingConfig(baseUrl, auth,
                    HttpBindingConfig.DEFAULT_PURGE_OPERATION, options.maxBodyBytes(), options.maxActiveJobs(), 5,
                    Duration.ofMillis(options.minPollIntervalMillis()), null));
            FhirRestApi rest = new FhirRestApi(ctx, storage, baseUrl, auth, InstantSource.system(),
                    service::purgeInProgressFor);
            JwtVerifier verifier = auth ? new JwtVerifier(options.jwtSecret(), InstantSource.system()) : null;
            progress = new ProgressReporter(service, Duration.ofSeconds(5));
            http.createContext("/", new ServerHandler(basePath, binding, rest, verifier, options.maxBodyBytes(), ctx,
                    progress::watch));
            AtomicInteger threadNumber = new AtomicInteger();
            httpThreads = Executors.newFixedThreadPool(16, r -> {
                Thread t = new Thread(r, "purge-server-http-" + threadNumber.incrementAndGet());
                t.setDaemon(false);
                return t;
            });
            http.setExecutor(httpThreads);
            service.start();
            http.start();
            out.println("Listening on " + baseUrl);
            out.flush();
            return new PurgeServer(http, httpThreads, storage, service, progress, baseUrl);
        } catch (IOException e) {
            closeAll(http, httpThreads, progress, service, storage);
            throw new UncheckedIOException("Could not listen on port " + options.port() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(http, httpThreads, progress, service, storage);
            throw e;
        }
    }

    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }

    private static String stripSlash(String s) {
        String r = s;
        while (r.endsWith("/")) {
            r = r.substring(0, r.length() - 1);
        }
        return r;
    }

    /** Loads the demo patients (skipping those already stored) and prints their ids. */
    private static void loadDemo(FhirContext ctx, ServerStorage storage, PrintStream out) {
        ReferenceExtractor extractor = new ReferenceExtractor(ctx);
        Instant now = Instant.now();
        write(storage, extractor, SyntheticPatients.sharedResources().iterator(), now);
        List<String> all = new ArrayList<>(List.of(DEMO_PURGE));
        all.addAll(List.of(DEMO_KEEP));
        for (int i = 0; i < all.size(); i++) {
            String id = all.get(i);
            boolean present = storage.reader().read(ResourceKey.of("Patient", id)).map(s -> !s.deleted())
                    .orElse(false);
            if (present) {
                out.println("Demo patient " + id + " is already loaded");
                continue;
            }
            int n = write(storage, extractor, SyntheticPatients.patientRecordIterator(id, DEMO_SIZES[i], i), now);
            out.println("Demo patient " + id + ": " + n + " resources"
                    + (i < DEMO_PURGE.length ? " (named in the $bulk-purge example)" : " (kept)"));
        }
    }

    private static int write(ServerStorage storage, ReferenceExtractor extractor, Iterator<IBaseResource> resources,
                             Instant at) {
        int n = 0;
        List<ResourceWrite> chunk = new ArrayList<>();
        while (resources.hasNext()) {
            chunk.add(extractor.toWrite(resources.next(), at));
            if (chunk.size() == 500 || !resources.hasNext()) {
                storage.writer().write(chunk);
                n += chunk.size();
                chunk.clear();
            }
        }
        return n;
    }

    /**
     * The FHIR base URL.
     *
     * @return e.g. {@code http://127.0.0.1:8080/fhir}
     */
    public String baseUrl() {
        return baseUrl;
    }

    /**
     * The bound port.
     *
     * @return the port, useful after {@code --port 0}
     */
    public int port() {
        return http.getAddress().getPort();
    }

    /**
     * The storage, e.g. to check what is left after a purge.
     *
     * @return the storage
     */
    public ServerStorage storage() {
        return storage;
    }

    /**
     * The purge service.
     *
     * @return the service
     */
    public PurgeService service() {
        return service;
    }

    /** Stops the server in the order the class documents. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            LOG.info("stopping");
            closeAll(http, httpThreads, progress, service, storage);
            LOG.info("stopped");
        }
    }

    private static void closeAll(HttpServer http, ExecutorService httpThreads, ProgressReporter progress,
                                 PurgeService service, ServerStorage storage) {
        if (http != null) {
            http.stop(1);
        }
        if (httpThreads != null) {
            httpThreads.shutdown();
            try {
                if (!httpThreads.awaitTermination(5, TimeUnit.SECONDS)) {
                    httpThreads.shutdownNow();
                }
            } catch (InterruptedException e) {
                httpThreads.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (progress != null) {
            progress.close();
        }
        if (service != null) {
            service.close();
        }
        if (storage != null) {
            storage.close();
        }
    }
}
