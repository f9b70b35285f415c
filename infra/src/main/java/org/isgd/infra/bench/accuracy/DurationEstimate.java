package org.isgd.infra.bench.accuracy;

import java.util.List;
import java.util.Locale;

/**
 * How long a grid will take, said before it starts. Throughput is measured from the cells already
 * finished in the run directory when there are any (images trained ÷ cell wall time, evaluation and
 * set-up included); otherwise it is {@link #DEFAULT_IMAGES_PER_SECOND}, measured on this project's
 * 2-core machine with the default CNN (about 4–5k images/s training, less through Kafka and with a
 * test-set evaluation every quarter epoch).
 */
public record DurationEstimate(double seconds, double imagesPerSecond, String basis) {
    public static final double DEFAULT_IMAGES_PER_SECOND = 2500;
    /** Model set-up, run creation and the wait for the run's first batch. */
    public static final double SECONDS_PER_CELL = 6;
    /** Broker, topics, sampler start and the variant's registration. */
    public static final double SECONDS_PER_STACK = 40;

    /**
     * @param images images each remaining cell will train
     * @param stacks local stacks to start (data variants with a Kafka-fed cell left)
     */
    public static DurationEstimate of(final List<Long> images, final int stacks, final List<CellResult> finished) {
        final double measuredImages = finished.stream().mapToDouble(CellResult::images).sum();
        final double measuredSeconds = finished.stream().mapToDouble(CellResult::wallSeconds).sum();
        final boolean measured = !finished.isEmpty() && measuredSeconds > 0;
        final double rate = measured ? measuredImages / measuredSeconds : DEFAULT_IMAGES_PER_SECOND;
        final double total = images.stream().mapToDouble(i -> i / rate + SECONDS_PER_CELL).sum()
                + stacks * SECONDS_PER_STACK;
        return new DurationEstimate(total, rate, measured
                ? String.format(Locale.ROOT, "%.0f images/s measured over the %d finished cells", rate, finished.size())
                : String.format(Locale.ROOT, "%.0f images/s assumed (2-core machine, default CNN)", rate));
    }

    /** "1 h 23 min", "4 min 10 s". */
    public static String format(final double seconds) {
        final long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%d h %02d min", s / 3600, s % 3600 / 60);
        }
        return s >= 60 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60) : s + " s";
    }
}
