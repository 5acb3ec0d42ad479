package com.fhirpurge.core;

import ca.uhn.fhir.context.FhirContext;
import com.fhirpurge.core.fhir.PatientCompartment;
import com.fhirpurge.spi.CompartmentDefinition;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The immutable, validated configuration of a {@link PurgeService}. Build one with {@link #builder()}; every value
 * has a production default.
 *
 * @param batchSize         resources erased per batch (one transaction each): 1 to 10,000; default 500
 * @param workers           worker threads per node: 1 to 64; default 2
 * @param leaseDuration     how long a claimed task stays leased without a heartbeat; at least twice the heartbeat
 *                          interval (a lease survives at least one missed heartbeat); default 60 s
 * @param heartbeatInterval how often leases of running tasks are extended; at least 100 ms; default 10 s
 * @param throttlePerSecond the most resources this node erases per second, all workers together; 0 for no limit;
 *                          default 0
 * @param maxPatientsPerJob the most patients one job may name: 1 to 100,000; default 1,000
 * @param pollInterval      how long an idle worker waits before it looks for work again (a submit on the same node
 *                          wakes it at once); default 1 s
 * @param maxAttempts       attempts of one store call on transient failures before the task ends in error: 1 to 100;
 *                          default 5
 * @param initialBackoff    the wait after the first transient failure, doubled after each further one; default
 *                          200 ms (a deadlock or serialization failure is first tried again within 10 ms)
 * @param maxBackoff        the longest wait between attempts; default 10 s
 * @param shutdownTimeout   how long {@link PurgeService#close()} waits for workers to finish their batch; default 30 s
 * @param nodeId            this node's name in lease owners and thread names; default derived from the process
 * @param compartment       the compartment a patient purge erases; default the R4 specification's Patient
 *                          compartment (66 resource types)
 * @param jobRetention      how long a finished job (every task completed, error or cancelled) stays readable after its
 *                          last change; then a started node forgets it and its status is 404; {@link Duration#ZERO}
 *                          keeps jobs forever; default 30 days
 * @param groupSize         the most patient-purge tasks a worker claims at once to erase together: patients whose
 *                          whole compartment fits in one batch share the commits (claim, write-ahead checkpoint,
 *                          erase, finish) instead of paying four each; 1 to 1,000, where 1 runs every patient on its
 *                          own; default 128. A group takes fewer where the first patient's compartment is bigger:
 *                          about four batches' worth of patients its size, so middling patients still spread over
 *                          the workers. A group holds at most this many first pages of {@code batchSize} keys
 * @param localBaseUrls     the FHIR base URLs under which an absolute reference is local, as the host's reference
 *                          extractor was given them; the dry run reads references out of stored resources with them;
 *                          default none (only relative references are local)
 */
public record PurgeConfig(int batchSize, int workers, Duration leaseDuration, Duration heartbeatInterval,
                          double throttlePerSecond, int maxPatientsPerJob, Duration pollInterval, int maxAttempts,
                          Duration initialBackoff, Duration maxBackoff, Duration shutdownTimeout, String nodeId,
                          CompartmentDefinition compartment, Duration jobRetention, int groupSize,
                          List<String> localBaseUrls) {

    /**
     * Validates every value.
     *
     * @throws IllegalArgumentException naming the first invalid setting
     *
     * @param batchSize see {@link #batchSize()}
     * @param workers see {@link #workers()}
     * @param leaseDuration see {@link #leaseDuration()}
     * @param heartbeatInterval see {@link #heartbeatInterval()}
     * @param throttlePerSecond see {@link #throttlePerSecond()}
     * @param maxPatientsPerJob see {@link #maxPatientsPerJob()}
     * @param pollInterval see {@link #pollInterval()}
     * @param maxAttempts see {@link #maxAttempts()}
     * @param initialBackoff see {@link #initialBackoff()}
     * @param maxBackoff see {@link #maxBackoff()}
     * @param shutdownTimeout see {@link #shutdownTimeout()}
     * @param nodeId see {@link #nodeId()}
     * @param compartment see {@link #compartment()}
     * @param jobRetention see {@link #jobRetention()}
     * @param groupSize see {@link #groupSize()}
     * @param localBaseUrls see {@link #localBaseUrls()}
     */
    public PurgeConfig {
        requireRange("batchSize", batchSize, 1, 10_000);
        requireRange("workers", workers, 1, 64);
        requireRange("maxPatientsPerJob", maxPatientsPerJob, 1, 100_000);
        requireRange("maxAttempts", maxAttempts, 1, 100);
        requireRange("groupSize", groupSize, 1, 1_000);
        requireAtLeast("heartbeatInterval", heartbeatInterval, Duration.ofMillis(100));
        requireAtLeast("leaseDuration", leaseDuration, heartbeatInterval.multipliedBy(2));
        requireAtLeast("pollInterval", pollInterval, Duration.ofMillis(1));
        requireAtLeast("initialBackoff", initialBackoff, Duration.ZERO);
        requireAtLeast("maxBackoff", maxBackoff, initialBackoff);
        requireAtLeast("shutdownTimeout", shutdownTimeout, Duration.ZERO);
        requireAtLeast("jobRetention", jobRetention, Duration.ZERO);
        if (!(throttlePerSecond >= 0) || Double.isInfinite(throttlePerSecond)) {
            throw new IllegalArgumentException("throttlePerSecond must be a finite number >= 0, was "
                    + throttlePerSecond);
        }
        Objects.requireNonNull(nodeId, "nodeId");
        if (!nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("nodeId must match [A-Za-z0-9._-]{1,64}, was '" + nodeId + "'");
        }
        Objects.requireNonNull(compartment, "compartment");
        localBaseUrls = List.copyOf(localBaseUrls);
    }

    private static void requireRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
        }
    }

    private static void requireAtLeast(String name, Duration value, Duration min) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(min) < 0) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
        }
    }

    /**
     * A builder with the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The default configuration.
     *
     * @return {@code builder().build()}
     */
    public static PurgeConfig defaults() {
        return builder().build();
    }

    /**
     * A one-line summary for the start-up log (the compartment by its code and member count).
     *
     * @return the effective settings
     */
    public String summary() {
        return "nodeId=" + nodeId + ", workers=" + workers + ", batchSize=" + batchSize + ", groupSize=" + groupSize
                + ", leaseDuration=" + leaseDuration + ", heartbeatInterval=" + heartbeatInterval
                + ", throttlePerSecond=" + (throttlePerSecond == 0 ? "unlimited" : throttlePerSecond)
                + ", maxPatientsPerJob=" + maxPatientsPerJob + ", pollInterval=" + pollInterval
                + ", maxAttempts=" + maxAttempts + ", backoff=" + initialBackoff + ".." + maxBackoff
                + ", shutdownTimeout=" + shutdownTimeout
                + ", jobRetention=" + (jobRetention.isZero() ? "forever" : jobRetention)
                + ", compartment=" + compartment.code()
                + "(" + compartment.members().size() + " types)";
    }

    /** Builds a {@link PurgeConfig}; not thread-safe. */
    public static final class Builder {
        private int batchSize = 500;
        private int workers = 2;
        private Duration leaseDuration = Duration.ofSeconds(60);
        private Duration heartbeatInterval = Duration.ofSeconds(10);
        private double throttlePerSecond;
        private int maxPatientsPerJob = 1_000;
        private Duration pollInterval = Duration.ofSeconds(1);
        private int maxAttempts = 5;
        private Duration initialBackoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private Duration shutdownTimeout = Duration.ofSeconds(30);
        private String nodeId;
        private CompartmentDefinition compartment;
        private Duration jobRetention = Duration.ofDays(30);
        private int groupSize = 128;
        private List<String> localBaseUrls = List.of();

        private Builder() {
        }

        /**
         * Resources per batch.
         *
         * @param value 1 to 10,000
         * @return this
         */
        public Builder batchSize(int value) {
            this.batchSize = value;
            return this;
        }

        /**
         * Worker threads on this node.
         *
         * @param value 1 to 64
         * @return this
         */
        public Builder workers(int value) {
            this.workers = value;
            return this;
        }

        /**
         * Lease duration.
         *
         * @param value at least twice the heartbeat interval
         * @return this
         */
        public Builder leaseDuration(Duration value) {
            this.leaseDuration = value;
            return this;
        }

        /**
         * Heartbeat interval.
         *
         * @param value at least 100 ms
         * @return this
         */
        public Builder heartbeatInterval(Duration value) {
            this.heartbeatInterval = value;
            return this;
        }

        /**
         * Throttle.
         *
         * @param resourcesPerSecond the most resources erased per second on this node; 0 for no limit
         * @return this
         */
        public Builder throttlePerSecond(double resourcesPerSecond) {
            this.throttlePerSecond = resourcesPerSecond;
            return this;
        }

        /**
         * Maximum patients per job.
         *
         * @param value 1 to 100,000
         * @return this
         */
        public Builder maxPatientsPerJob(int value) {
            this.maxPatientsPerJob = value;
            return this;
        }

        /**
         * Idle poll interval.
         *
         * @param value at least 1 ms
         * @return this
         */
        public Builder pollInterval(Duration value) {
            this.pollInterval = value;
            return this;
        }

        /**
         * Retries of transient store failures.
         *
         * @param maxAttempts    attempts per store call, 1 to 100
         * @param initialBackoff first wait
         * @param maxBackoff     longest wait
         * @return this
         */
        public Builder retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
            this.maxAttempts = maxAttempts;
            this.initialBackoff = initialBackoff;
            this.maxBackoff = maxBackoff;
            return this;
        }

        /**
         * Shutdown timeout.
         *
         * @param value how long {@code close()} waits for workers
         * @return this
         */
        public Builder shutdownTimeout(Duration value) {
            this.shutdownTimeout = value;
            return this;
        }

        /**
         * Node id.
         *
         * @param value {@code [A-Za-z0-9._-]{1,64}}
         * @return this
         */
        public Builder nodeId(String value) {
            this.nodeId = value;
            return this;
        }

        /**
         * The compartment a patient purge erases.
         *
         * @param value the definition, e.g. {@code PatientCompartment.r4WithDevice(ctx)}
         * @return this
         */
        public Builder compartment(CompartmentDefinition value) {
            this.compartment = value;
            return this;
        }

        /**
         * How long finished jobs stay readable.
         *
         * @param value the retention after a job's last change; {@link Duration#ZERO} keeps jobs forever
         * @return this
         */
        public Builder jobRetention(Duration value) {
            this.jobRetention = value;
            return this;
        }

        /**
         * How many small patient-purge tasks a worker claims and erases together.
         *
         * @param value 1 to 1,000; 1 runs every patient on its own
         * @return this
         */
        public Builder groupSize(int value) {
            this.groupSize = value;
            return this;
        }

        /**
         * The FHIR base URLs under which absolute references are local.
         *
         * @param value the base URLs, e.g. {@code https://fhir.example.org/r4}
         * @return this
         */
        public Builder localBaseUrls(List<String> value) {
            this.localBaseUrls = List.copyOf(value);
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the first invalid setting
         */
        public PurgeConfig build() {
            String node = nodeId != null ? nodeId : defaultNodeId();
            CompartmentDefinition comp = compartment != null ? compartment
                    : PatientCompartment.r4Spec(FhirContext.forR4Cached());
            return new PurgeConfig(batchSize, workers, leaseDuration, heartbeatInterval, throttlePerSecond,
                    maxPatientsPerJob, pollInterval, maxAttempts, initialBackoff, maxBackoff, shutdownTimeout, node,
                    comp, jobRetention, groupSize, localBaseUrls);
        }

        private static String defaultNodeId() {
            String pid = Long.toString(ProcessHandle.current().pid());
            String host = ManagementFactory.getRuntimeMXBean().getName().replaceAll("^\\d+@", "")
                    .replaceAll("[^A-Za-z0-9._-]", "");
            String suffix = UUID.randomUUID().toString().substring(0, 8);
            String id = (host.isEmpty() ? "node" : host) + "-" + pid + "-" + suffix;
            return id.length() > 64 ? id.substring(id.length() - 64) : id;
        }
    }
}
