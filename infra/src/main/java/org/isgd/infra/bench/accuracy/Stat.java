package org.isgd.infra.bench.accuracy;

import java.util.Arrays;
import java.util.Locale;

/**
 * Mean and sample standard deviation (n − 1 in the denominator; 0 for one value) of the finite
 * values given; NaN mean when there are none.
 */
public record Stat(double mean, double std, int n) {

    public static Stat of(final double... values) {
        final double[] finite = Arrays.stream(values).filter(Double::isFinite).toArray();
        if (finite.length == 0) {
            return new Stat(Double.NaN, Double.NaN, 0);
        }
        final double mean = Arrays.stream(finite).average().orElseThrow();
        double squares = 0;
        for (final double v : finite) {
            squares += (v - mean) * (v - mean);
        }
        return new Stat(mean, finite.length < 2 ? 0 : Math.sqrt(squares / (finite.length - 1)), finite.length);
    }

    /** "0.8123 ± 0.0040" with {@code decimals} decimals, or "—" when there is nothing. */
    public String format(final int decimals) {
        if (n == 0) {
            return "—";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f ± %." + decimals + "f", mean, std);
    }
}
