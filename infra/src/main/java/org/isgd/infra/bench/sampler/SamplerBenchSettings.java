package org.isgd.infra.bench.sampler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How {@code isgd bench sampler} runs; the command line's options, checked.
 *
 * @param sizes samples registered per run's dataset, one cell each
 * @param instances sampler processes, one cell each
 * @param layout how runs are laid out over the instances
 * @param lead the runs' flow-control lead: large, so that acknowledgements, not flow control, pace emission
 * @param latencyRate predictions per second per run while latency is measured
 * @param rocksDbMemory bytes of RocksDB block cache and memtables per sampler (0 = Kafka Streams' defaults)
 * @param profile record each sampler with Java Flight Recorder and report where its time went per phase
 * @param repeat rounds of each cell in a row, each with fresh processes (steadiness: do they agree?)
 */
public record SamplerBenchSettings(List<Integer> sizes, List<Integer> instances, Layout layout, String policy,
                                   int batchSize, int lead, Duration warmup, Duration duration,
                                   double latencyRate, List<String> samplerJvmOptions, List<String> brokerJvmOptions,
                                   List<String> samplerArgs, long rocksDbMemory, boolean nativeMemoryTracking, boolean profile,
                                   Path workDir, Path out, boolean keepWork, int repeat, List<String> restarts) {
    /** {@code --restart} values: SIGKILL sampler 0 and restart it with its state directory as it was, or deleted. */
    public static final String RESTART_KEPT = "kill";
    public static final String RESTART_WIPED = "wipe";

    /** Where the runs live. */
    public enum Layout {
        /** One run per instance, each on a dataset of its own, their ids hashing to different run tasks. */
        PER_INSTANCE,
        /** One run on one dataset whatever the instance count: for a sampler that shards a run (--shards). */
        SHARED
    }

    public SamplerBenchSettings {
        if (sizes.isEmpty() || sizes.stream().anyMatch(n -> n < 1)) {
            throw new IllegalArgumentException("--sizes must be positive, were " + sizes);
        }
        if (instances.isEmpty() || instances.stream().anyMatch(n -> n < 1 || n > 8)) {
            throw new IllegalArgumentException("--instances must be in [1, 8], were " + instances);
        }
        if (batchSize < 1 || lead < 1 || latencyRate <= 0 || rocksDbMemory < 0) {
            throw new IllegalArgumentException("--batch-size, --lead and --latency-rate must be > 0, "
                    + "--rocksdb-memory >= 0");
        }
        if (repeat < 1) {
            throw new IllegalArgumentException("--repeat must be at least 1, was " + repeat);
        }
        if (duration.toSeconds() < 1 || warmup.isNegative()) {
            throw new IllegalArgumentException("--duration must be at least 1 s and --warmup >= 0");
        }
        restarts = restarts == null ? List.of() : List.copyOf(restarts);
        for (final String restart : restarts) {
            if (!restart.equals(RESTART_KEPT) && !restart.equals(RESTART_WIPED)) {
                throw new IllegalArgumentException("--restart takes " + RESTART_KEPT + " (state directory kept) or "
                        + RESTART_WIPED + " (state directory deleted), was '" + restart + "'");
            }
        }
    }

    /** Runs in a cell of {@code instanceCount} samplers. */
    int runs(final int instanceCount) {
        return layout == Layout.SHARED ? 1 : instanceCount;
    }

    /**
     * What {@code infra/isgd} gives every JVM before {@code JAVA_OPTS}, and the benchmark every child JVM
     * before the user's options (a later option of the same name wins): 4 MB G1 regions, so that the
     * Kafka clients' fetch buffers (up to 1 MB) are not humongous, as they are at the 1 MB regions G1 picks for
     * heaps under 3 GB (2 MB under 6 GB).
     */
    static final List<String> DEFAULT_JVM_OPTIONS = List.of("-XX:G1HeapRegionSize=4m");

    /** The broker JVM's options as started: the defaults, then the user's. */
    List<String> brokerJvm() {
        final List<String> options = new java.util.ArrayList<>(DEFAULT_JVM_OPTIONS);
        options.addAll(brokerJvmOptions);
        return options;
    }

    /** The sampler JVM's options as started: the defaults, the user's, and what the benchmark adds. */
    List<String> samplerJvm() {
        final List<String> options = new java.util.ArrayList<>(DEFAULT_JVM_OPTIONS);
        options.addAll(samplerJvmOptions);
        options.add("-XX:+ExitOnOutOfMemoryError");
        if (nativeMemoryTracking) {
            options.add("-XX:NativeMemoryTracking=summary");
        }
        if (rocksDbMemory > 0) {
            options.add("-D" + BoundedRocksDbConfig.MEMORY_PROPERTY + "=" + rocksDbMemory);
        }
        return options;
    }

    /** The sampler command's arguments beyond connection, state, id and API port. */
    List<String> samplerCommandArgs() {
        final List<String> args = new java.util.ArrayList<>();
        if (rocksDbMemory > 0) {
            args.addAll(List.of("--kafka-config", "rocksdb.config.setter=" + BoundedRocksDbConfig.class.getName()));
        }
        args.addAll(samplerArgs);
        return args;
    }

    Map<String, Object> describe() {
        final Map<String, Object> d = new LinkedHashMap<>();
        d.put("sizes", sizes);
        d.put("instances", instances);
        d.put("layout", layout.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        d.put("policy", policy);
        d.put("batchSize", batchSize);
        d.put("lead", lead);
        d.put("warmupSeconds", warmup.toSeconds());
        d.put("durationSeconds", duration.toSeconds());
        d.put("latencyRatePerRun", latencyRate);
        d.put("brokerJvmOptions", brokerJvmOptions);
        d.put("rocksDbMemoryBytes", rocksDbMemory);
        d.put("profile", profile);
        d.put("repeat", repeat);
        d.put("restarts", restarts);
        d.put("exactlyOnce", "exactly_once_v2 (the sampler's default)");
        return d;
    }
}
