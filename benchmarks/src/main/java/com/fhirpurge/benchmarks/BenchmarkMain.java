package com.fhirpurge.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Statistics;

/**
 * Runs the suite and prints the results as Markdown tables: throughput as a median with its spread (min to max over
 * the measured iterations), and the ratios that matter (engine ÷ ceiling, engine ÷ naive), all from one run on one
 * machine.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar            # the full suite (an hour or more)
 * java -jar benchmarks/target/benchmarks.jar --quick    # a few minutes: smaller data, fewer iterations, one JVM
 * options: --stores H2,POSTGRES,MARIADB,MONGO   --warmups N   --iterations N   --out results.md
 * </pre>
 */
public final class BenchmarkMain {

    /** Resources of patients who stay, as a multiple of those purged, in the purge-among-kept table. */
    private static final int KEPT_SHARE = 4;

    private final boolean quick;
    private final List<BenchStore> stores;
    private int warmups = -1;
    private int iterations = -1;
    private final StringBuilder report = new StringBuilder();

    private BenchmarkMain(boolean quick, List<BenchStore> stores) {
        this.quick = quick;
        this.stores = stores;
    }

    /**
     * Runs the suite.
     *
     * @param args {@code --quick}, {@code --stores LIST}, {@code --out FILE}
     * @throws Exception when a benchmark fails
     */
    public static void main(String[] args) throws Exception {
        quietLogs();
        boolean quick = false;
        List<BenchStore> stores = List.of(BenchStore.values());
        Path out = null;
        int warmups = -1;
        int iterations = -1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--stores" -> stores = Arrays.stream(args[++i].split(","))
                        .map(s -> BenchStore.valueOf(s.strip().toUpperCase(Locale.ROOT))).toList();
                case "--out" -> out = Path.of(args[++i]);
                case "--warmups" -> warmups = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: java -jar benchmarks.jar [--quick] [--stores H2,POSTGRES,MARIADB,MONGO]"
                            + " [--warmups N] [--iterations N] [--out FILE]");
                    System.exit(2);
                }
            }
        }
        BenchmarkMain main = new BenchmarkMain(quick, stores);
        main.warmups = warmups;
        main.iterations = iterations;
        main.run();
        if (out != null) {
            Files.writeString(out, main.report.toString(), StandardCharsets.UTF_8);
        }
    }

    private void run() throws RunnerException, IOException, InterruptedException {
        Runtime rt = Runtime.getRuntime();
        line("# fhir-purge benchmarks (" + (quick ? "quick" : "full") + ")");
        line("");
        line(String.format(Locale.ROOT, "%s; Java %s (%s); %d cores; max heap %d MiB; %s", Instant.now(),
                System.getProperty("java.version"), System.getProperty("java.vm.name"), rt.availableProcessors(),
                rt.maxMemory() >> 20, System.getProperty("os.name") + " " + System.getProperty("os.arch")));
        line("");
        purge();
        purgeAmongKept();
        if (!quick) {
            engineSweep();
        }
        bulkDelete();
        latency();
        memory();
    }

    // ------------------------------------------------------------------------------------------ the runs

    private ChainedOptionsBuilder options(String benchmark) {
        return options(benchmark, stores);
    }

    private ChainedOptionsBuilder options(String benchmark, List<BenchStore> on) {
        ChainedOptionsBuilder o = new OptionsBuilder().include(benchmark)
                .param("store", on.stream().map(Enum::name).toArray(String[]::new))
                .shouldFailOnError(true);
        if (quick) {
            o.forks(0).warmupIterations(1).measurementIterations(3).verbosity(VerboseMode.SILENT);
        } else {
            o.forks(1).warmupIterations(2).measurementIterations(5).jvmArgsAppend("-Xmx4g",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.log.de.bwaldvogel=off")
                    .verbosity(VerboseMode.NORMAL);
        }
        if (warmups >= 0) {
            o.warmupIterations(warmups);
        }
        if (iterations > 0) {
            o.measurementIterations(iterations);
        }
        return o;
    }

    /**
     * Resources per purge invocation on a store: the in-process Mongo wire server has no compound indexes (it scans
     * collections), so it gets a smaller data set unless {@code PURGE_MONGO_URI} names a real MongoDB.
     */
    private int purgeTotal(BenchStore store) {
        int total = quick ? 1000 : 20_000;
        boolean wireServer = store == BenchStore.MONGO && (System.getenv("PURGE_MONGO_URI") == null
                || System.getenv("PURGE_MONGO_URI").isBlank());
        return wireServer && !quick ? 5_000 : total;
    }

    private void purge() throws RunnerException {
        String[] sizes = quick ? new String[] {"10", "100"} : new String[] {"10", "100", "10000"};
        progress("patient purge: engine, naive and ceiling");
        line("## Patient purge throughput (resources per second)");
        line("");
        line("Each invocation purges the given number of resources of synthetic patients (20% of the resources with a "
                + "second version; about 5 reference and 5 search index rows per resource); engine: batch 500, "
                + "2 workers, groups of up to 128 small patients (the default). Median (min–max) over the measured "
                + "iterations.");
        line("");
        line("| store | resources per invocation | resources per patient | engine | naive | ceiling "
                + "| engine ÷ ceiling | engine ÷ naive |");
        line("|---|---:|---:|---:|---:|---:|---:|---:|");
        purgeRows(PurgeBenchmark.class.getName() + "\\.", sizes, 0, (store, resources, size, row) -> {
            Statistics engine = row.get("engine");
            Statistics naive = row.get("naive");
            Statistics ceiling = row.get("ceiling");
            return String.format(Locale.ROOT, "| %s | %,.0f | %s | %s | %s | %s | %s | %s |", store, resources, size,
                    rate(resources, engine), rate(resources, naive), rate(resources, ceiling), ratio(ceiling, engine),
                    ratio(naive, engine));
        });
    }

    /**
     * The same purge while the tables also hold patients who stay, {@value #KEPT_SHARE} times as many resources as
     * those purged: a store where the purged patients are a small share, as in a real server, and where a plan that
     * scans whole tables no longer pays. The naive loop is left out: it works key by key either way.
     */
    private void purgeAmongKept() throws RunnerException {
        String[] sizes = quick ? new String[] {"100"} : new String[] {"10", "100"};
        progress("patient purge among patients who stay: engine and ceiling");
        line("## Patient purge among patients who stay (resources per second)");
        line("");
        line("As above, with the resources of patients who stay, " + KEPT_SHARE + " times as many as those purged, "
                + "written once before the warm-up and counted among the rows every invocation must leave.");
        line("");
        line("| store | resources per invocation | resources per patient | resources kept | engine | ceiling "
                + "| engine ÷ ceiling |");
        line("|---|---:|---:|---:|---:|---:|---:|");
        purgeRows(PurgeBenchmark.class.getName() + "\\.(engine|ceiling)$", sizes, KEPT_SHARE,
                (store, resources, size, row) -> {
                    Statistics engine = row.get("engine");
                    Statistics ceiling = row.get("ceiling");
                    return String.format(Locale.ROOT, "| %s | %,.0f | %s | %,.0f | %s | %s | %s |", store, resources,
                            size, resources * KEPT_SHARE, rate(resources, engine), rate(resources, ceiling),
                            ratio(ceiling, engine));
                });
    }

    /** Formats one row of a purge table. */
    private interface PurgeRow {
        String format(BenchStore store, double resources, String resourcesPerPatient, Map<String, Statistics> byMethod);
    }

    /**
     * Runs the purge benchmarks matching {@code pattern} on each store in turn and prints a row per size that ran,
     * then an empty line.
     */
    private void purgeRows(String pattern, String[] sizes, int keptShare, PurgeRow row) throws RunnerException {
        for (BenchStore store : stores) {
            int total = purgeTotal(store);
            Collection<RunResult> results = new Runner(options(pattern, List.of(store))
                    .param("resourcesPerPatient", sizes).param("totalResources", Integer.toString(total))
                    .param("keptShare", Integer.toString(keptShare)).build()).run();
            Map<String, Map<String, Statistics>> bySize = new TreeMap<>();
            for (RunResult r : results) {
                bySize.computeIfAbsent(r.getParams().getParam("resourcesPerPatient"), k -> new LinkedHashMap<>())
                        .put(method(r), r.getPrimaryResult().getStatistics());
            }
            for (String size : sizes) {
                if (bySize.containsKey(size)) {
                    line(row.format(store, purged(total, size), size, bySize.get(size)));
                }
            }
        }
        line("");
    }

    /** Resources one invocation purges: whole patients of the given size, at least one. */
    private static double purged(int total, String resourcesPerPatient) {
        int perPatient = Integer.parseInt(resourcesPerPatient);
        return (double) Math.max(1, total / perPatient) * perPatient;
    }

    private void engineSweep() throws RunnerException {
        progress("patient purge: engine batch size and workers");
        Collection<RunResult> results = new Runner(options(PurgeBenchmark.class.getName() + "\\.engine$",
                List.of(BenchStore.POSTGRES)).param("resourcesPerPatient", "100")
                .param("batchSize", "100", "500", "2000").param("workers", "1", "2", "4").build()).run();
        line("## Engine sweep on PostgreSQL (resources per second, 100 per patient, 20,000 per invocation)");
        line("");
        line("| batch size | 1 worker | 2 workers | 4 workers |");
        line("|---:|---:|---:|---:|");
        Map<String, Map<String, Statistics>> byBatch = new TreeMap<>((a, b) -> Integer.parseInt(a)
                - Integer.parseInt(b));
        for (RunResult r : results) {
            byBatch.computeIfAbsent(r.getParams().getParam("batchSize"), k -> new TreeMap<>())
                    .put(r.getParams().getParam("workers"), r.getPrimaryResult().getStatistics());
        }
        byBatch.forEach((batch, row) -> line("| " + batch + " | " + rate(20_000, row.get("1")) + " | "
                + rate(20_000, row.get("2")) + " | " + rate(20_000, row.get("4")) + " |"));
        line("");
    }

    private void bulkDelete() throws RunnerException {
        progress("bulk delete: hard, soft, purge history");
        line("## Bulk delete throughput (`Observation?code=` two of five vital signs)");
        line("");
        line("Type-level delete on a data set of synthetic patients (half of the resources with a second version); "
                + "the count is what the job reported, checked against the data set. Median (min–max).");
        line("");
        line("| store | resources stored | mode | resources deleted | time (ms) | resources per second |");
        line("|---|---:|---|---:|---:|---:|");
        for (BenchStore store : stores) {
            int total = quick ? 2000 : purgeTotal(store);
            Collection<RunResult> results = new Runner(options(BulkDeleteBenchmark.class.getName() + "\\.",
                    List.of(store)).param("totalResources", Integer.toString(total)).build()).run();
            Workload workload = BulkDeleteBenchmark.workload(total, 0.5);
            Map<String, RunResult> byMode = new TreeMap<>();
            for (RunResult r : results) {
                byMode.put(r.getParams().getParam("mode"), r);
            }
            for (String mode : List.of("HARD", "SOFT", "PURGE_HISTORY")) {
                RunResult r = byMode.get(mode);
                if (r == null) {
                    continue;
                }
                long deleted = BulkDeleteBenchmark.expected(workload, mode);
                Statistics s = r.getPrimaryResult().getStatistics();
                line(String.format(Locale.ROOT, "| %s | %,d | %s | %,d | %s | %s |", store, total,
                        mode.toLowerCase(Locale.ROOT).replace('_', ' '), deleted, millis(s), rate(deleted, s)));
            }
        }
        line("");
    }

    private void latency() throws RunnerException {
        progress("kick-off and status latency");
        ChainedOptionsBuilder o = options(LatencyBenchmark.class.getName() + "\\.");
        if (quick) {
            o.warmupTime(TimeValue.seconds(1)).measurementTime(TimeValue.seconds(1));
        } else {
            o.warmupTime(TimeValue.seconds(2)).measurementTime(TimeValue.seconds(3));
        }
        Collection<RunResult> results = new Runner(o.build()).run();
        line("## Kick-off and status read latency (µs), " + LatencyBenchmark.STORED_JOBS + " jobs stored");
        line("");
        line("| store | kick-off p50 | kick-off p99 | status read p50 | status read p99 |");
        line("|---|---:|---:|---:|---:|");
        Map<String, Map<String, Statistics>> byStore = new TreeMap<>();
        for (RunResult r : results) {
            byStore.computeIfAbsent(r.getParams().getParam("store"), k -> new TreeMap<>())
                    .put(method(r), r.getPrimaryResult().getStatistics());
        }
        for (BenchStore store : stores) {
            Map<String, Statistics> row = byStore.get(store.name());
            if (row != null) {
                line("| " + store + " | " + percentile(row.get("kickOff"), 50) + " | "
                        + percentile(row.get("kickOff"), 99) + " | " + percentile(row.get("statusRead"), 50) + " | "
                        + percentile(row.get("statusRead"), 99) + " |");
            }
        }
        line("");
    }

    private void memory() throws IOException, InterruptedException {
        progress("peak heap by compartment size");
        List<BenchStore> memoryStores = new ArrayList<>();
        for (BenchStore s : stores) {
            if (s == BenchStore.H2 || (s == BenchStore.POSTGRES && !quick)) {
                memoryStores.add(s);
            }
        }
        int small = quick ? 2_000 : 20_000;
        int large = quick ? 20_000 : 200_000;
        line("## Peak heap while purging one patient (child JVM, " + MemoryProbe.HEAP + ", serial GC)");
        line("");
        line("| store | resources | purge time (s) | peak heap in use (MiB) | peak live heap after GC (MiB) |");
        line("|---|---:|---:|---:|---:|");
        for (BenchStore store : memoryStores) {
            for (int size : new int[] {small, large}) {
                MemoryProbe.Result r = MemoryProbe.measure(store, size);
                line(String.format(Locale.ROOT, "| %s | %,d | %.1f | %.1f | %.1f |", store, size, r.seconds(),
                        r.peakUsedMb(), r.peakLiveMb()));
            }
        }
        line("");
    }

    /** Warnings and errors only; the Mongo wire server's notes on indexes it does not build, not at all. */
    static void quietLogs() {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.setProperty("org.slf4j.simpleLogger.log.de.bwaldvogel", "off");
    }

    // ------------------------------------------------------------------------------------------ formatting

    private static String method(RunResult r) {
        String name = r.getParams().getBenchmark();
        return name.substring(name.lastIndexOf('.') + 1);
    }

    private static String rate(double resources, Statistics millis) {
        if (millis == null) {
            return "–";
        }
        return String.format(Locale.ROOT, "%,.0f (%,.0f–%,.0f)", resources / millis.getPercentile(50) * 1000,
                resources / millis.getMax() * 1000, resources / millis.getMin() * 1000);
    }

    private static String millis(Statistics s) {
        return String.format(Locale.ROOT, "%,.0f (%,.0f–%,.0f)", s.getPercentile(50), s.getMin(), s.getMax());
    }

    /** How many times faster the engine is than the other (a ratio of medians). */
    private static String ratio(Statistics other, Statistics engine) {
        if (other == null || engine == null) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.2f", other.getPercentile(50) / engine.getPercentile(50));
    }

    private static String percentile(Statistics s, double p) {
        return s == null ? "–" : String.format(Locale.ROOT, "%,.0f", s.getPercentile(p));
    }

    private void line(String text) {
        report.append(text).append('\n');
        System.out.println(text);
    }

    private static void progress(String what) {
        PrintStream err = System.err;
        err.println("[benchmarks] " + Instant.now() + " " + what);
    }
}
