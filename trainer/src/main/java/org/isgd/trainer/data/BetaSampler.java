package org.isgd.trainer.data;

import java.util.SplittableRandom;

/**
 * Draws from Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b); the gammas come from
 * Marsaglia and Tsang's method, with the shape boost Gamma(k) = Gamma(k + 1)·U^(1/k) for k &lt; 1
 * (RICAP's β = 0.3). Only the given random stream is used, so a seed fixes every draw.
 */
final class BetaSampler {
    private BetaSampler() {
    }

    static double sample(final SplittableRandom random, final double a, final double b) {
        final double x = gamma(random, a);
        final double y = gamma(random, b);
        final double sum = x + y;
        // both gammas can underflow to 0 for tiny shapes; Beta(a, b) then sits at 0 or 1 with odds a : b
        return sum > 0 ? x / sum : (random.nextDouble() < a / (a + b) ? 1.0 : 0.0);
    }

    static double gamma(final SplittableRandom random, final double shape) {
        if (shape < 1) {
            return gamma(random, shape + 1) * Math.pow(random.nextDouble(), 1 / shape);
        }
        final double d = shape - 1.0 / 3;
        final double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double z;
            double v;
            do {
                z = gaussian(random);
                v = 1 + c * z;
            } while (v <= 0);
            v = v * v * v;
            final double u = random.nextDouble();
            if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }

    private static double gaussian(final SplittableRandom random) {
        // Box-Muller; 1 - nextDouble() lies in (0, 1], so the log is finite
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
