package org.isgd.sampler.topology;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counters the sampler keeps: what it emitted, applied, ignored and refused (by reason). */
public final class SamplerMetrics {
    private final LongAdder batchesEmitted = new LongAdder();
    private final LongAdder indicesEmitted = new LongAdder();
    private final LongAdder predictionsApplied = new LongAdder();
    private final LongAdder duplicatesIgnored = new LongAdder();
    private final Map<String, LongAdder> deadLetters = new ConcurrentHashMap<>();

    void batchEmitted(final int indices) {
        batchesEmitted.increment();
        indicesEmitted.add(indices);
    }

    /** @param latencyMs from the prediction's timestamp (set by the trainer) to its application here */
    void predictionApplied(final long latencyMs) {
        predictionsApplied.increment();
    }

    void duplicateIgnored() {
        duplicatesIgnored.increment();
    }

    void deadLetter(final String reason) {
        deadLetters.computeIfAbsent(DeadLetters.kind(reason), k -> new LongAdder()).increment();
    }

    public long batchesEmitted() {
        return batchesEmitted.sum();
    }

    public long indicesEmitted() {
        return indicesEmitted.sum();
    }

    public long predictionsApplied() {
        return predictionsApplied.sum();
    }

    public long duplicatesIgnored() {
        return duplicatesIgnored.sum();
    }

    /** Dead letters so far by reason kind. */
    public Map<String, Long> deadLetters() {
        final Map<String, Long> snapshot = new TreeMap<>();
        deadLetters.forEach((kind, count) -> snapshot.put(kind, count.sum()));
        return snapshot;
    }
}
