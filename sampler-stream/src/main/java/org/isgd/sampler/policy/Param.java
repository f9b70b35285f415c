package org.isgd.sampler.policy;

import java.math.BigDecimal;

/**
 * One parameter a policy reads from {@code RunSpec.params}: its default, its allowed range
 * (bounds inclusive unless open), whether it must be a whole number, and what it does.
 */
public record Param(String name, double defaultValue, double min, boolean minOpen, double max, boolean maxOpen,
                    boolean integer, String description) {

    public static Param real(final String name, final double defaultValue, final double min, final double max,
                             final String description) {
        return new Param(name, defaultValue, min, false, max, false, false, description);
    }

    public static Param whole(final String name, final double defaultValue, final double min, final double max,
                              final String description) {
        return new Param(name, defaultValue, min, false, max, false, true, description);
    }

    /** The same parameter with the lower bound excluded. */
    public Param openBelow() {
        return new Param(name, defaultValue, min, true, max, maxOpen, integer, description);
    }

    /** The same parameter with the upper bound excluded. */
    public Param openAbove() {
        return new Param(name, defaultValue, min, minOpen, max, true, integer, description);
    }

    public boolean allows(final double value) {
        final boolean aboveMin = minOpen ? value > min : value >= min;
        final boolean belowMax = maxOpen ? value < max : value <= max;
        return aboveMin && belowMax && (!integer || value == Math.rint(value));
    }

    /** The allowed range, e.g. {@code [0, 1)} or {@code integer in [1, 1000000]}. */
    public String range() {
        return (integer ? "integer in " : "") + (minOpen ? "(" : "[") + format(min) + ", " + format(max)
                + (maxOpen ? ")" : "]");
    }

    /** {@code name=default}, as CLI help shows it. */
    public String withDefault() {
        return name + "=" + format(defaultValue);
    }

    static String format(final double value) {
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
