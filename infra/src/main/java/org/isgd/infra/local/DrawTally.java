package org.isgd.infra.local;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.isgd.trainer.train.TrainingBatch;

/** What a trainer was fed: draws per class and batches per phase, for the summaries. */
public final class DrawTally {
    private final int[] labels;
    private final long[] perClass;
    private final Map<String, Long> phases = new TreeMap<>();
    private long draws;

    DrawTally(final int[] labels, final int classes) {
        this.labels = labels;
        this.perClass = new long[classes];
    }

    void add(final TrainingBatch batch) {
        for (final long id : batch.sampleIds()) {
            perClass[labels[(int) id]]++;
            draws++;
        }
        phases.merge(batch.phase(), 1L, Long::sum);
    }

    Map<String, Long> phases() {
        return Map.copyOf(phases);
    }

    double[] shares() {
        final double[] shares = new double[perClass.length];
        for (int c = 0; c < shares.length; c++) {
            shares[c] = share(c);
        }
        return shares;
    }

    double share(final int c) {
        return draws == 0 ? 0 : (double) perClass[c] / draws;
    }

    String describeShares(final String[] names) {
        return IntStream.range(0, perClass.length)
                .mapToObj(c -> String.format(Locale.ROOT, "%s %.1f%%", names[c], 100 * share(c)))
                .collect(Collectors.joining(", "));
    }

    String describePhases() {
        return phases.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + " batches")
                .collect(Collectors.joining(", "));
    }
}
