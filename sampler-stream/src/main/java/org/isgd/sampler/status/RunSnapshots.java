package org.isgd.sampler.status;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** The latest snapshot of every run this instance owns; written by stream threads, read by anyone. */
public final class RunSnapshots {
    private final Map<String, RunSnapshot> runs = new ConcurrentHashMap<>();

    public void publish(final RunSnapshot snapshot) {
        runs.put(snapshot.runId(), snapshot);
    }

    public void publishAll(final Iterable<RunSnapshot> snapshots) {
        snapshots.forEach(this::publish);
    }

    public void remove(final String runId) {
        runs.remove(runId);
    }

    public Optional<RunSnapshot> get(final String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    /** All runs owned here, by id. */
    public Map<String, RunSnapshot> all() {
        return new TreeMap<>(runs);
    }
}
