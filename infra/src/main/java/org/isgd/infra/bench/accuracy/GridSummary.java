package org.isgd.infra.bench.accuracy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.commons.math3.stat.descriptive.StatisticalSummaryValues;
import org.apache.commons.math3.stat.inference.TTest;

/**
 * The grid's comparison per data variant and budget: each arm's final test and balanced accuracy
 * (mean ± std over seeds), and the steps and training seconds it needs to reach the control arm's
 * mean final accuracy, with the speed-up those give. The control arm is the Kafka-fed
 * {@code uniform} where it ran, else {@code uniform (local)}. Losses are listed, not hidden.
 */
public final class GridSummary {
    private static final List<String> DATA_ORDER = List.of("balanced", "long-tail", "label-noise");

    /**
     * One arm in one (data, budget) group.
     *
     * @param target the control arm's mean final test accuracy (NaN without a control arm)
     * @param reached seeds whose run reached {@code target}
     * @param steps steps to {@code target}, over the seeds that reached it
     * @param speedUp control's mean steps to target ÷ this arm's; NaN when either never reached it
     * @param wallSpeedUp control's mean training seconds to target ÷ this arm's
     * @param wallSpeedUpLocal the in-process loader's ({@code uniform (local)}) mean training seconds to the same target
     *     ÷ this arm's: what isgd gains or costs in wall-clock against not using it at all; NaN without that arm
     */
    public record Row(String data, double budget, String arm, String feed, int seeds, Stat accuracy, Stat balancedAccuracy,
                      String control, double target, int reached, Stat steps, Stat seconds, double speedUp,
                      double wallSpeedUp, double wallSpeedUpLocal) {
        public double accuracyDelta(final Row control) {
            return accuracy.mean() - control.accuracy.mean();
        }
    }

    /** The rows of one data variant at one budget, control arm first. */
    public record Group(String data, double budget, List<Row> rows) {
        public String title() {
            return data + ", budget " + GridCell.percent(budget);
        }

        public Row control() {
            return rows.stream().filter(r -> r.arm().equals(r.control())).findFirst().orElse(null);
        }
    }

    private GridSummary() {
    }

    public static List<Group> groups(final List<CellResult> results) {
        final Map<String, List<CellResult>> byGroup = results.stream()
                .sorted(Comparator.comparingInt((CellResult r) -> dataRank(r.data())).thenComparing(CellResult::data)
                        .thenComparingDouble(CellResult::budget))
                .collect(Collectors.groupingBy(r -> r.data() + "|" + r.budget(), LinkedHashMap::new, Collectors.toList()));
        final List<Group> groups = new ArrayList<>();
        for (final List<CellResult> members : byGroup.values()) {
            groups.add(group(members));
        }
        return groups;
    }

    static Group group(final List<CellResult> members) {
        final Map<String, List<CellResult>> byArm = members.stream()
                .sorted(Comparator.comparingInt((CellResult r) -> armRank(r.arm())))
                .collect(Collectors.groupingBy(CellResult::arm, LinkedHashMap::new, Collectors.toList()));
        final String control = byArm.containsKey(GridArm.UNIFORM) ? GridArm.UNIFORM
                : byArm.containsKey(GridArm.UNIFORM_LOCAL) ? GridArm.UNIFORM_LOCAL : null;
        final double target = control == null ? Double.NaN
                : Stat.of(byArm.get(control).stream().mapToDouble(r -> r.last().testAccuracy()).toArray()).mean();
        final Stat controlSteps = control == null ? Stat.of() : stepsTo(byArm.get(control), target);
        final Stat controlSeconds = control == null ? Stat.of() : secondsTo(byArm.get(control), target);
        final Stat localSeconds = control == null || !byArm.containsKey(GridArm.UNIFORM_LOCAL) ? Stat.of()
                : secondsTo(byArm.get(GridArm.UNIFORM_LOCAL), target);
        final List<Row> rows = new ArrayList<>();
        byArm.forEach((arm, runs) -> {
            final Stat steps = stepsTo(runs, target);
            final Stat seconds = secondsTo(runs, target);
            rows.add(new Row(runs.get(0).data(), runs.get(0).budget(), arm, runs.get(0).feed(), runs.size(),
                    Stat.of(runs.stream().mapToDouble(r -> r.last().testAccuracy()).toArray()),
                    Stat.of(runs.stream().mapToDouble(r -> r.last().balancedAccuracy()).toArray()),
                    control, target, steps.n(), steps, seconds, ratio(controlSteps, steps), ratio(controlSeconds, seconds),
                    ratio(localSeconds, seconds)));
        });
        return new Group(members.get(0).data(), members.get(0).budget(), rows);
    }

    private static Stat stepsTo(final List<CellResult> runs, final double target) {
        return Stat.of(runs.stream().mapToLong(r -> r.stepsTo(target)).mapToDouble(s -> s < 0 ? Double.NaN : s).toArray());
    }

    private static Stat secondsTo(final List<CellResult> runs, final double target) {
        return Stat.of(runs.stream().mapToDouble(r -> r.secondsTo(target)).toArray());
    }

    private static double ratio(final Stat control, final Stat arm) {
        return control.n() == 0 || arm.n() == 0 || arm.mean() <= 0 ? Double.NaN : control.mean() / arm.mean();
    }

    private static int dataRank(final String data) {
        final int i = DATA_ORDER.indexOf(data);
        return i < 0 ? DATA_ORDER.size() : i;
    }

    private static int armRank(final String arm) {
        return switch (arm) {
            case GridArm.UNIFORM -> 0;
            case GridArm.UNIFORM_LOCAL -> 1;
            case GridArm.UNIFORM_STRONG_AUGMENT -> 2;
            default -> 3;
        };
    }

    /** Lines saying where an arm ends below the control arm, and whether the gap is significant (Welch's t-test). */
    public static List<String> losses(final Group group) {
        final Row control = group.control();
        final List<String> lines = new ArrayList<>();
        if (control == null) {
            return lines;
        }
        for (final Row row : group.rows()) {
            if (row == control) {
                continue;
            }
            lose(lines, row, control, "final test accuracy", row.accuracy(), control.accuracy());
            lose(lines, row, control, "balanced accuracy", row.balancedAccuracy(), control.balancedAccuracy());
            if (row.reached() < row.seeds()) {
                lines.add(String.format(Locale.ROOT, "%s: %d of %d seeds never reached %s's final accuracy %.4f",
                        row.arm(), row.seeds() - row.reached(), row.seeds(), control.arm(), control.target()));
            }
        }
        return lines;
    }

    private static void lose(final List<String> lines, final Row row, final Row control, final String what,
                             final Stat arm, final Stat base) {
        final double gap = arm.mean() - base.mean();
        if (gap < 0) {
            lines.add(String.format(Locale.ROOT, "%s is below %s on %s: %.4f vs %.4f (%+.4f; %s)", row.arm(),
                    control.arm(), what, arm.mean(), base.mean(), gap, significance(arm, base)));
        }
    }

    /** "one seed, spread unknown", or Welch's p and whether it is below {@link #ALPHA}. */
    static String significance(final Stat arm, final Stat base) {
        if (verdict(arm, base) == Verdict.ONE_SEED) {
            return "one seed, spread unknown";
        }
        final double p = welchP(arm, base);
        return (p < 0.001 ? "Welch's t-test p < 0.001" : String.format(Locale.ROOT, "Welch's t-test p = %.3f", p))
                + (p < ALPHA ? ", significant" : ", not significant");
    }

    /** Two-sided significance level of {@link #verdict}. */
    public static final double ALPHA = 0.05;

    /** How an arm's mean compares with a baseline's: a difference at Welch's two-sided p < {@link #ALPHA}, or a tie. */
    public enum Verdict {
        WIN("win"), TIE("tie"), LOSS("loss"), ONE_SEED("one seed");

        private final String word;

        Verdict(final String word) {
            this.word = word;
        }

        @Override
        public String toString() {
            return word;
        }
    }

    public static Verdict verdict(final Stat arm, final Stat base) {
        if (arm.n() < 2 || base.n() < 2) {
            return Verdict.ONE_SEED;
        }
        if (welchP(arm, base) >= ALPHA) {
            return Verdict.TIE;
        }
        return arm.mean() > base.mean() ? Verdict.WIN : Verdict.LOSS;
    }

    /**
     * Welch's two-sided t-test p-value of two arms' means (seeds as samples); both need two seeds or more. When
     * neither arm varies over its seeds, any difference counts as certain (p = 0) and equal means as p = 1.
     */
    static double welchP(final Stat a, final Stat b) {
        if (a.std() == 0 && b.std() == 0) {
            return a.mean() == b.mean() ? 1 : 0;
        }
        return new TTest().tTest(summary(a), summary(b));
    }

    private static StatisticalSummaryValues summary(final Stat stat) {
        return new StatisticalSummaryValues(stat.mean(), stat.std() * stat.std(), stat.n(), Double.NaN, Double.NaN,
                stat.mean() * stat.n());
    }

    /**
     * One headline table: every other arm's balanced accuracy minus {@code baseline}'s, in points with its verdict,
     * one row per data variant and budget ({@code cells} and {@code verdicts} hold null where an arm did not run).
     */
    public record Headline(String baseline, List<String> arms, List<String> rowTitles, List<List<String>> cells,
                           List<List<Verdict>> verdicts, String count) {
    }

    /**
     * The headline per baseline arm present (Kafka-fed uniform, the in-process loader, uniform with strong
     * augmentation), each with a count of the importance-sampling policies' wins, ties and losses against it.
     */
    public static List<Headline> headlines(final List<Group> groups) {
        final List<String> arms = groups.stream().flatMap(g -> g.rows().stream()).map(Row::arm).distinct()
                .sorted(Comparator.comparingInt(GridSummary::armRank)).toList();
        final List<Headline> headlines = new ArrayList<>();
        for (final String baseline : List.of(GridArm.UNIFORM, GridArm.UNIFORM_LOCAL, GridArm.UNIFORM_STRONG_AUGMENT)) {
            if (!arms.contains(baseline)) {
                continue;
            }
            final List<String> others = arms.stream().filter(a -> !a.equals(baseline)).toList();
            final List<String> titles = new ArrayList<>();
            final List<List<String>> cells = new ArrayList<>();
            final List<List<Verdict>> verdicts = new ArrayList<>();
            final Map<Verdict, Integer> count = new EnumMap<>(Verdict.class);
            for (final Group group : groups) {
                final Row base = row(group, baseline);
                titles.add(group.data() + ", " + GridCell.percent(group.budget()));
                final List<String> cellRow = new ArrayList<>();
                final List<Verdict> verdictRow = new ArrayList<>();
                for (final String arm : others) {
                    final Row row = row(group, arm);
                    final Verdict verdict = base == null || row == null ? null
                            : verdict(row.balancedAccuracy(), base.balancedAccuracy());
                    verdictRow.add(verdict);
                    cellRow.add(verdict == null ? null : String.format(Locale.ROOT, "%+.1f %s",
                            100 * (row.balancedAccuracy().mean() - base.balancedAccuracy().mean()), verdict));
                    if (verdict != null && isPolicy(row)) {
                        count.merge(verdict, 1, Integer::sum);
                    }
                }
                cells.add(cellRow);
                verdicts.add(verdictRow);
            }
            headlines.add(new Headline(baseline, others, titles, cells, verdicts, String.format(Locale.ROOT,
                    "importance-sampling policies against %s, over (policy, data, budget) cells: %d win(s), %d tie(s), "
                            + "%d loss(es)%s", baseline,
                    count.getOrDefault(Verdict.WIN, 0), count.getOrDefault(Verdict.TIE, 0),
                    count.getOrDefault(Verdict.LOSS, 0), count.containsKey(Verdict.ONE_SEED)
                            ? ", " + count.get(Verdict.ONE_SEED) + " with one seed only" : "")));
        }
        return headlines;
    }

    /** The headlines as markdown, wins and losses in bold. */
    public static String headlineMarkdown(final List<Headline> headlines) {
        final StringBuilder out = new StringBuilder();
        for (final Headline h : headlines) {
            out.append("### Balanced accuracy against ").append(h.baseline()).append("\n\n| data, budget |");
            h.arms().forEach(a -> out.append(' ').append(a).append(" |"));
            out.append("\n| --- |").append(" ---: |".repeat(h.arms().size())).append('\n');
            for (int r = 0; r < h.rowTitles().size(); r++) {
                out.append("| ").append(h.rowTitles().get(r)).append(" |");
                for (int c = 0; c < h.arms().size(); c++) {
                    final String cell = h.cells().get(r).get(c);
                    final Verdict verdict = h.verdicts().get(r).get(c);
                    out.append(' ').append(cell == null ? "—"
                            : verdict == Verdict.WIN || verdict == Verdict.LOSS ? "**" + cell + "**" : cell).append(" |");
                }
                out.append('\n');
            }
            out.append("\n").append(Character.toUpperCase(h.count().charAt(0))).append(h.count().substring(1))
                    .append(".\n\n");
        }
        return out.toString();
    }

    private static Row row(final Group group, final String arm) {
        return group.rows().stream().filter(r -> r.arm().equals(arm)).findFirst().orElse(null);
    }

    private static boolean isPolicy(final Row row) {
        return row.feed().equals(GridArm.KAFKA) && !row.arm().equals(GridArm.UNIFORM);
    }

    public static String markdown(final List<Group> groups) {
        final StringBuilder out = new StringBuilder();
        for (final Group group : groups) {
            final Row control = group.control();
            out.append("## ").append(group.title()).append("\n\n");
            out.append(String.format(Locale.ROOT, "Target: %s's mean final test accuracy %s.%n%n",
                    control == null ? "(no uniform arm)" : control.arm(),
                    control == null ? "—" : String.format(Locale.ROOT, "%.4f", control.target())));
            out.append("| arm | feed | seeds | final test acc | balanced acc | Δ acc | steps to target | reached |"
                    + " train s to target | speed-up (steps) | speed-up (wall) | wall vs local loader |\n");
            out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            for (final Row row : group.rows()) {
                out.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s | %d/%d | %s | %s | %s | %s |%n",
                        row.arm(), row.feed(), row.seeds(), row.accuracy().format(4), row.balancedAccuracy().format(4),
                        control == null ? "—" : String.format(Locale.ROOT, "%+.4f", row.accuracyDelta(control)),
                        row.steps().format(0), row.reached(), row.seeds(), row.seconds().format(1),
                        times(row.speedUp()), times(row.wallSpeedUp()), times(row.wallSpeedUpLocal())));
            }
            final List<String> losses = losses(group);
            out.append('\n');
            if (!losses.isEmpty()) {
                out.append("Where an arm ends below the control arm:\n\n");
                losses.forEach(line -> out.append("* ").append(line).append('\n'));
                out.append('\n');
            }
        }
        return out.toString();
    }

    public static String times(final double ratio) {
        return Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.2f×", ratio) : "—";
    }
}
