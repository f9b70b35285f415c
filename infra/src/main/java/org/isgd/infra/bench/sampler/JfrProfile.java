package org.isgd.infra.bench.sampler;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a sampler's time went in each measuring window, from a Java Flight Recorder file: the
 * share of CPU samples (running Java code, or in RocksDB's native code) whose stack
 * passes through each part of the system, and the hottest top frames.
 */
final class JfrProfile {
    /** Parts of the sampler, by a stack frame's class-name prefix; a sample counts for each part on its stack. */
    private static final Map<String, String> PARTS = parts();
    private static final int TOP_FRAMES = 12;

    private JfrProfile() {
    }

    private static Map<String, String> parts() {
        final Map<String, String> parts = new LinkedHashMap<>();
        parts.put("org.rocksdb.", "RocksDB (state stores)");
        parts.put("org.apache.kafka.streams.state.internals.ChangeLogging", "changelog writes");
        parts.put("org.apache.kafka.clients.producer.", "Kafka producer");
        parts.put("org.apache.kafka.clients.consumer.", "Kafka consumer");
        parts.put("org.apache.kafka.common.network.", "network I/O");
        parts.put("org.apache.avro.", "Avro (de)serialization");
        parts.put("org.isgd.sampler.topology.EventRouter", "EventRouter (decode, validate, route)");
        parts.put("org.isgd.sampler.topology.SamplerProcessor", "SamplerProcessor");
        parts.put("org.isgd.sampler.policy.", "policies");
        parts.put("org.isgd.sampler.sampling.", "sum trees and pools");
        parts.put("io.prometheus.", "metrics");
        parts.put("org.isgd.sampler.api.", "query API");
        return parts;
    }

    /** A measuring window, wall clock. */
    record Window(String phase, Instant start, Instant end) {
    }

    /**
     * Samples in one window: how many, per part (share), the hottest top frames (share), and the
     * share of the window's wall-clock time the JVM spent in garbage-collection pauses.
     */
    record Phase(String phase, long samples, Map<String, Double> parts, Map<String, Double> topFrames,
                 double gcPauseShare) {
    }

    static List<Phase> read(final Path jfr, final List<Window> windows) throws IOException {
        final List<Map<String, Long>> parts = new ArrayList<>();
        final List<Map<String, Long>> frames = new ArrayList<>();
        final long[] samples = new long[windows.size()];
        windows.forEach(w -> {
            parts.add(new TreeMap<>());
            frames.add(new TreeMap<>());
        });
        final double[] gcSeconds = new double[windows.size()];
        for (final RecordedEvent event : RecordingFile.readAllEvents(jfr)) {
            if (event.getEventType().getName().equals("jdk.GarbageCollection")) {
                for (int w = 0; w < windows.size(); w++) {
                    if (inside(event, windows.get(w))) {
                        gcSeconds[w] += event.getDuration("sumOfPauses").toNanos() / 1e9;
                    }
                }
                continue;
            }
            if (!onCpu(event)) {
                continue;
            }
            for (int w = 0; w < windows.size(); w++) {
                if (!inside(event, windows.get(w))) {
                    continue;
                }
                samples[w]++;
                final List<RecordedFrame> stack = event.getStackTrace().getFrames();
                frames.get(w).merge(name(stack.get(0)), 1L, Long::sum);
                for (final Map.Entry<String, String> part : PARTS.entrySet()) {
                    if (stack.stream().anyMatch(f -> name(f).startsWith(part.getKey()))) {
                        parts.get(w).merge(part.getValue(), 1L, Long::sum);
                    }
                }
            }
        }
        final List<Phase> phases = new ArrayList<>();
        for (int w = 0; w < windows.size(); w++) {
            final Window window = windows.get(w);
            phases.add(new Phase(window.phase(), samples[w], shares(parts.get(w), samples[w], PARTS.size()),
                    shares(frames.get(w), samples[w], TOP_FRAMES),
                    gcSeconds[w] / (java.time.Duration.between(window.start(), window.end()).toNanos() / 1e9)));
        }
        return phases;
    }

    /**
     * Java code running, or a RocksDB call: JFR samples threads in native code separately, and
     * apart from RocksDB those are threads waiting (epoll, sockets), not working.
     */
    private static boolean onCpu(final RecordedEvent event) {
        if (event.getStackTrace() == null || event.getStackTrace().getFrames().isEmpty()) {
            return false;
        }
        return switch (event.getEventType().getName()) {
            case "jdk.ExecutionSample" -> true;
            case "jdk.NativeMethodSample" -> name(event.getStackTrace().getFrames().get(0)).startsWith("org.rocksdb.");
            default -> false;
        };
    }

    private static boolean inside(final RecordedEvent event, final Window window) {
        return !event.getStartTime().isBefore(window.start()) && !event.getStartTime().isAfter(window.end());
    }

    private static String name(final RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private static Map<String, Double> shares(final Map<String, Long> counts, final long total, final int limit) {
        return counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(limit)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> total == 0 ? 0.0 : (double) e.getValue() / total,
                        (a, b) -> a, LinkedHashMap::new));
    }

    /** The profile as text, one block per phase. */
    static String describe(final String instance, final List<Phase> phases) {
        final StringBuilder sb = new StringBuilder();
        for (final Phase phase : phases) {
            sb.append(String.format(Locale.ROOT, "%s, %s: %d CPU samples, %.1f%% of the time in GC pauses; stacks "
                    + "through%n", instance, phase.phase(), phase.samples(), 100 * phase.gcPauseShare()));
            phase.parts().forEach((part, share) -> sb.append(String.format(Locale.ROOT, "  %5.1f%%  %s%n", 100 * share, part)));
            sb.append("  hottest top frames:\n");
            phase.topFrames().forEach((frame, share) -> sb.append(String.format(Locale.ROOT, "  %5.1f%%  %s%n",
                    100 * share, frame)));
        }
        return sb.toString();
    }
}
