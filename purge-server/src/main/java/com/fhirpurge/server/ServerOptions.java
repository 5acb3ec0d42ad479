package com.fhirpurge.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The command-line options of {@link PurgeServer}, parsed and validated by {@link #parse(String...)}.
 *
 * @param help         {@code --help}: print {@link #usage()} and exit
 * @param port         {@code --port}: the TCP port on 127.0.0.1, 0 for a free one
 * @param baseUrl      {@code --base-url}: the public FHIR base URL, or {@code null} for
 *                     {@code http://127.0.0.1:PORT/fhir}
 * @param jdbcUrl      {@code --jdbc-url}: the database, or {@code null} for embedded H2 in {@code dataDir}
 * @param jdbcUser     {@code --jdbc-user}, or {@code null}
 * @param jdbcPassword {@code --jdbc-password}, or {@code null}
 * @param dataDir      {@code --data-dir}: where the embedded H2 database lives
 * @param mongoUri     {@code --mongo-uri}: the MongoDB connection string that selects MongoDB storage, or
 *                     {@code null} for JDBC
 * @param mongoDatabase {@code --mongo-database}: the MongoDB database, {@value #DEFAULT_MONGO_DATABASE} by default
 * @param demo         {@code --demo}: load synthetic demo patients at start
 * @param jwtSecret    {@code --jwt-secret}: the HS256 secret that turns bearer auth on, or {@code null} (auth off)
 * @param maxBodyBytes {@code --max-body-bytes}: the largest request body accepted
 * @param workers      {@code --workers}: purge worker threads
 * @param batchSize    {@code --batch-size}: resources erased per batch
 * @param maxActiveJobs {@code --max-active-jobs}: purge kick-offs beyond this many jobs with work left get 429; 0
 *                     for no limit
 * @param minPollIntervalMillis {@code --min-poll-interval-ms}: a job's status read sooner than this after the
 *                     previous read of the same job gets 429; 0 for no limit
 * @param throttlePerSecond {@code --throttle}: the most resources this server's workers erase per second, to spare
 *                     a database that also serves clinical traffic; 0 for no limit
 */
public record ServerOptions(boolean help, int port, String baseUrl, String jdbcUrl, String jdbcUser,
                            String jdbcPassword, Path dataDir, String mongoUri, String mongoDatabase, boolean demo,
                            String jwtSecret, int maxBodyBytes, int workers, int batchSize, int maxActiveJobs,
                            int minPollIntervalMillis, int throttlePerSecond) {

    /** The default port. */
    public static final int DEFAULT_PORT = 8080;
    /** The default body limit: 8 MiB, enough for sizeable transaction Bundles. */
    public static final int DEFAULT_MAX_BODY_BYTES = 8 << 20;
    /** The default limit of jobs with work left before kick-offs get 429. */
    public static final int DEFAULT_MAX_ACTIVE_JOBS = 16;
    /** The default MongoDB database. */
    public static final String DEFAULT_MONGO_DATABASE = "fhir";

    /** A MongoDB database name: no path separators, dots, spaces or quotes; at most 63 characters. */
    private static final java.util.regex.Pattern MONGO_DATABASE = java.util.regex.Pattern.compile(
            "[^/\\\\. \"$*<>:|?\\x00]{1,63}");

    /** One line per option: name, argument, description. */
    private static final String[][] OPTIONS = {
        {"--port", "N", "TCP port on 127.0.0.1 (default 8080; 0 picks a free port)"},
        {"--base-url", "URL", "public FHIR base URL (default http://127.0.0.1:PORT/fhir)"},
        {"--jdbc-url", "URL", "JDBC URL of PostgreSQL, MariaDB/MySQL or H2 (default: embedded H2 in --data-dir)"},
        {"--jdbc-user", "USER", "database user"},
        {"--jdbc-password", "PASSWORD", "database password"},
        {"--data-dir", "DIR", "directory of the embedded H2 database (default ./data)"},
        {"--mongo-uri", "URI", "store in MongoDB instead of JDBC: connection string mongodb://host:port (or"
                + " mongodb+srv://...); not with --jdbc-url"},
        {"--mongo-database", "NAME", "MongoDB database of --mongo-uri (default fhir)"},
        {"--demo", "", "load synthetic demo patients at start and print their ids"},
        {"--jwt-secret", "SECRET", "turn on bearer auth: HS256 JWTs signed with SECRET (scope, patient, sub)"},
        {"--max-body-bytes", "N", "largest request body accepted, larger ones get 413 (default 8388608)"},
        {"--workers", "N", "purge worker threads (default 2)"},
        {"--batch-size", "N", "resources erased per batch and transaction (default 500)"},
        {"--max-active-jobs", "N", "kick-offs beyond N jobs with work left get 429 (default 16; 0: no limit)"},
        {"--min-poll-interval-ms", "N", "a job's status polled again within N ms gets 429 (default 0: no limit)"},
        {"--throttle", "N", "erase at most N resources per second on this server (default 0: no limit)"},
        {"--help", "", "print this help and exit"},
    };

    /**
     * Validates the values.
     *
     * @param help         see {@link #help()}
     * @param port         see {@link #port()}
     * @param baseUrl      see {@link #baseUrl()}
     * @param jdbcUrl      see {@link #jdbcUrl()}
     * @param jdbcUser     see {@link #jdbcUser()}
     * @param jdbcPassword see {@link #jdbcPassword()}
     * @param dataDir      see {@link #dataDir()}
     * @param mongoUri     see {@link #mongoUri()}
     * @param mongoDatabase see {@link #mongoDatabase()}
     * @param demo         see {@link #demo()}
     * @param jwtSecret    see {@link #jwtSecret()}
     * @param maxBodyBytes see {@link #maxBodyBytes()}
     * @param workers      see {@link #workers()}
     * @param batchSize    see {@link #batchSize()}
     * @param maxActiveJobs see {@link #maxActiveJobs()}
     * @param minPollIntervalMillis see {@link #minPollIntervalMillis()}
     * @param throttlePerSecond see {@link #throttlePerSecond()}
     * @throws IllegalArgumentException when a value is out of range, or both {@code jdbcUrl} and {@code mongoUri}
     *                                  are given
     */
    public ServerOptions {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(mongoDatabase, "mongoDatabase");
        if (mongoUri != null && jdbcUrl != null) {
            throw new IllegalArgumentException("--mongo-uri and --jdbc-url select different storage: give only one");
        }
        if (mongoUri != null) {
            try {
                new com.mongodb.ConnectionString(mongoUri);
            } catch (IllegalArgumentException e) {
                // the driver's message may quote the string, credentials included
                throw new IllegalArgumentException("--mongo-uri must be a MongoDB connection string"
                        + " (mongodb://host:port or mongodb+srv://host)", e);
            }
        }
        if (!MONGO_DATABASE.matcher(mongoDatabase).matches()) {
            throw new IllegalArgumentException("--mongo-database must be 1 to 63 characters without / \\ . space"
                    + " \" $ * < > : | ?, was '" + mongoDatabase + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be between 0 and 65535, was " + port);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("--max-body-bytes must be at least 1024, was " + maxBodyBytes);
        }
        if (jwtSecret != null && jwtSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
            throw new IllegalArgumentException("--jwt-secret must be at least 32 bytes (RFC 7518: a key as long as"
                    + " the hash)");
        }
        if (baseUrl != null && !baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
            throw new IllegalArgumentException("--base-url must be an absolute http(s) URL, was '" + baseUrl + "'");
        }
    }

    /**
     * The defaults: port 8080, embedded H2 in {@code ./data}, auth off.
     *
     * @return the default options
     */
    public static ServerOptions defaults() {
        return new ServerOptions(false, DEFAULT_PORT, null, null, null, null, Path.of("data"), null,
                DEFAULT_MONGO_DATABASE, false, null, DEFAULT_MAX_BODY_BYTES, 2, 500, DEFAULT_MAX_ACTIVE_JOBS, 0,
                0);
    }

    /**
     * Parses command-line arguments; {@code --name value} and {@code --name=value} are both accepted.
     *
     * @param args the arguments
     * @return the options
     * @throws UsageException for an unknown option, a missing or invalid value, or options that exclude each other
     */
    public static ServerOptions parse(String... args) {
        ServerOptions o = defaults();
        boolean help = false;
        int port = o.port;
        String baseUrl = null;
        String jdbcUrl = null;
        String jdbcUser = null;
        String jdbcPassword = null;
        Path dataDir = o.dataDir;
        String mongoUri = null;
        String mongoDatabase = null;
        boolean demo = false;
        String jwtSecret = null;
        int maxBody = o.maxBodyBytes;
        int workers = o.workers;
        int batchSize = o.batchSize;
        int maxActiveJobs = o.maxActiveJobs;
        int minPollInterval = o.minPollIntervalMillis;
        int throttle = o.throttlePerSecond;
        for (int i = 0; i < args.length; i++) {
            String arg = Objects.requireNonNull(args[i], "argument");
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            if (!takesValue(name)) {
                if (inline != null) {
                    throw new UsageException("Option " + name + " takes no value");
                }
            } else if (inline == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("Option " + name + " needs a value");
                }
                inline = args[++i];
            }
            switch (name) {
                case "--help", "-h" -> help = true;
                case "--demo" -> demo = true;
                case "--port" -> port = intValue(name, inline, 0, 65535);
                case "--base-url" -> baseUrl = inline;
                case "--jdbc-url" -> jdbcUrl = inline;
                case "--jdbc-user" -> jdbcUser = inline;
                case "--jdbc-password" -> jdbcPassword = inline;
                case "--data-dir" -> dataDir = pathValue(name, inline);
                case "--jwt-secret" -> jwtSecret = inline;
                case "--max-body-bytes" -> maxBody = intValue(name, inline, 1024, Integer.MAX_VALUE - 1);
                case "--workers" -> workers = intValue(name, inline, 1, 64);
                case "--batch-size" -> batchSize = intValue(name, inline, 1, 10_000);
                case "--max-active-jobs" -> maxActiveJobs = intValue(name, inline, 0, 100_000);
                case "--min-poll-interval-ms" -> minPollInterval = intValue(name, inline, 0, 3_600_000);
                case "--throttle" -> throttle = intValue(name, inline, 0, 10_000_000);
                case "--mongo-uri" -> mongoUri = inline;
                case "--mongo-database" -> mongoDatabase = inline;
                default -> throw new UsageException("Unknown option '" + arg + "'");
            }
        }
        if (jdbcUrl == null && (jdbcUser != null || jdbcPassword != null)) {
            throw new UsageException("--jdbc-user and --jdbc-password need --jdbc-url");
        }
        if (mongoUri == null && mongoDatabase != null) {
            throw new UsageException("--mongo-database needs --mongo-uri");
        }
        try {
            return new ServerOptions(help, port, baseUrl, jdbcUrl, jdbcUser, jdbcPassword, dataDir, mongoUri,
                    Objects.requireNonNullElse(mongoDatabase, o.mongoDatabase), demo, jwtSecret, maxBody, workers,
                    batchSize, maxActiveJobs, minPollInterval, throttle);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static boolean takesValue(String name) {
        for (String[] option : OPTIONS) {
            if (option[0].equals(name)) {
                return !option[1].isEmpty();
            }
        }
        return false;
    }

    private static int intValue(String name, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value.strip());
            if (n < min || n > max) {
                throw new UsageException("Option " + name + " must be between " + min + " and " + max + ", was "
                        + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("Option " + name + " needs a whole number, was '" + value + "'");
        }
    }

    private static Path pathValue(String name, String value) {
        try {
            return Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UsageException("Option " + name + ": not a path: '" + value + "'");
        }
    }

    /**
     * The help text: every option with its argument and meaning.
     *
     * @return the usage, several lines
     */
    public static String usage() {
        StringBuilder s = new StringBuilder("Usage: java -jar purge-server.jar [options]\n\n"
                + "A reference FHIR server for fhir-purge: Patient/$bulk-purge, Patient/[id]/$purge and a minimal"
                + " FHIR REST API.\n\nOptions:\n");
        List<String> lines = new ArrayList<>();
        for (String[] option : OPTIONS) {
            String left = option[1].isEmpty() ? option[0] : option[0] + " " + option[1];
            lines.add(String.format(java.util.Locale.ROOT, "  %-26s %s", left, option[2]));
        }
        s.append(String.join("\n", lines)).append('\n');
        return s.toString();
    }

    /**
     * The names of every option, as {@link #usage()} lists them.
     *
     * @return e.g. {@code --port}, {@code --help}
     */
    public static List<String> optionNames() {
        List<String> names = new ArrayList<>();
        for (String[] option : OPTIONS) {
            names.add(option[0]);
        }
        return List.copyOf(names);
    }

    /** A command line that cannot be run; {@link PurgeServer#main} prints it with the usage and exits with 2. */
    public static final class UsageException extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param message what is wrong with the command line
         */
        public UsageException(String message) {
            super(message);
        }
    }
}
