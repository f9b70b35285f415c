package org.isgd.infra.bench.accuracy;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

/**
 * The grid's plots, one PNG per data variant and budget of each kind, drawn with XChart from the
 * results alone (so they can be redrawn from results.jsonl at any time):
 * {@code accuracy-*} test accuracy by step per arm (mean over seeds);
 * {@code class-share-*} share of draws per class between evaluations, one panel per arm (first seed);
 * {@code importance-*} histograms of each Kafka-fed arm's importance at four points of the run (first seed).
 */
public final class GridPlots {
    public static final String DIR = "plots";
    private static final int WIDTH = 640;
    private static final int HEIGHT = 400;
    private static final int PANELS_PER_ROW = 3;

    private GridPlots() {
    }

    /** Writes every plot under {@code runDir/plots}; returns the files written. */
    public static List<Path> writeAll(final Path runDir, final List<CellResult> results, final String[] classNames) {
        System.setProperty("java.awt.headless", "true");
        final Path dir = runDir.resolve(DIR);
        final List<Path> written = new ArrayList<>();
        for (final GridSummary.Group group : GridSummary.groups(results)) {
            final List<CellResult> members = results.stream()
                    .filter(r -> r.data().equals(group.data()) && r.budget() == group.budget()).toList();
            final List<String> arms = group.rows().stream().map(GridSummary.Row::arm).toList();
            final String suffix = group.data() + "-b" + Math.round(100 * group.budget()) + ".png";
            written.add(save(accuracy(group, members, arms), dir.resolve("accuracy-" + suffix)));
            written.add(save(panels(arms.stream().map(arm -> classShares(firstSeed(members, arm), classNames)).toList()),
                    dir.resolve("class-share-" + suffix)));
            final List<XYChart> histograms = arms.stream().map(arm -> firstSeed(members, arm))
                    .filter(r -> !r.histograms().isEmpty()).map(GridPlots::importance).toList();
            if (!histograms.isEmpty()) {
                written.add(save(panels(histograms), dir.resolve("importance-" + suffix)));
            }
        }
        return written;
    }

    /** A file-name-safe form of an arm's name: "uniform+aug (local)" → "uniform-aug-local". */
    public static String slug(final String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("^-|-$", "");
    }

    static XYChart accuracy(final GridSummary.Group group, final List<CellResult> members, final List<String> arms) {
        final XYChart chart = chart("Test accuracy, " + group.title() + " (mean over seeds)", "step", "test accuracy");
        for (final String arm : arms) {
            final Map<Long, List<Double>> byStep = new TreeMap<>();
            members.stream().filter(r -> r.arm().equals(arm)).flatMap(r -> r.evaluations().stream())
                    .forEach(p -> byStep.computeIfAbsent(p.step(), s -> new ArrayList<>()).add(p.testAccuracy()));
            final double[] x = byStep.keySet().stream().mapToDouble(Long::doubleValue).toArray();
            final double[] y = byStep.values().stream()
                    .mapToDouble(v -> v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN)).toArray();
            chart.addSeries(arm, x, y);
        }
        return chart;
    }

    static XYChart classShares(final CellResult run, final String[] classNames) {
        final XYChart chart = chart(String.format(Locale.ROOT, "%s: share of draws per class (seed %d)", run.arm(),
                run.seed()), "step", "share of draws (since last eval)");
        final double[] x = run.evaluations().stream().mapToDouble(CellResult.EvalPoint::step).toArray();
        final int classes = run.evaluations().get(0).classShares().length;
        for (int c = 0; c < classes; c++) {
            final int k = c;
            chart.addSeries(c < classNames.length ? classNames[c] : "class " + c, x,
                    run.evaluations().stream().mapToDouble(p -> p.classShares()[k]).toArray());
        }
        chart.getStyler().setYAxisMin(0.0);
        return chart;
    }

    /** The quantity the arm's policy samples by: the gradient-norm bound for upper-bound, else 1 − pCorrect. */
    static String importanceQuantity(final String policy) {
        return "upper-bound".equals(policy) ? CellResult.ImportanceHistogram.GRAD_NORM_BOUND
                : CellResult.ImportanceHistogram.ONE_MINUS_P_CORRECT;
    }

    static XYChart importance(final CellResult run) {
        final String quantity = importanceQuantity(run.policy());
        final List<CellResult.ImportanceHistogram> all = run.histograms().stream()
                .filter(h -> h.quantity().equals(quantity)).sorted(Comparator.comparingLong(
                        CellResult.ImportanceHistogram::step)).toList();
        final XYChart chart = chart(String.format(Locale.ROOT, "%s: %s of trained samples (seed %d)", run.arm(), quantity,
                run.seed()), quantity, "log10(1 + samples)");
        final Map<Long, CellResult.ImportanceHistogram> picked = new LinkedHashMap<>();
        for (final double fraction : new double[] {0.25, 0.5, 0.75, 1.0}) {
            final CellResult.ImportanceHistogram h = all.get(Math.max(0, (int) Math.ceil(fraction * all.size()) - 1));
            picked.put(h.step(), h);
        }
        for (final CellResult.ImportanceHistogram h : picked.values()) {
            final int bins = h.counts().length;
            final double[] x = new double[bins];
            final double[] y = new double[bins];
            for (int b = 0; b < bins; b++) {
                x[b] = h.min() + (b + 0.5) * (h.max() - h.min()) / bins;
                y[b] = Math.log10(1 + h.counts()[b]);
            }
            chart.addSeries("step " + h.step(), x, y);
        }
        return chart;
    }

    private static CellResult firstSeed(final List<CellResult> members, final String arm) {
        return members.stream().filter(r -> r.arm().equals(arm)).min(Comparator.comparingLong(CellResult::seed))
                .orElseThrow();
    }

    private static XYChart chart(final String title, final String x, final String y) {
        final XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y)
                .build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMarkerSize(4);
        return chart;
    }

    static BufferedImage panels(final List<XYChart> charts) {
        final int columns = Math.min(PANELS_PER_ROW, charts.size());
        final int rows = (charts.size() + columns - 1) / columns;
        final BufferedImage image = new BufferedImage(columns * WIDTH, rows * HEIGHT, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        for (int i = 0; i < charts.size(); i++) {
            g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), (i % columns) * WIDTH, (i / columns) * HEIGHT, null);
        }
        g.dispose();
        return image;
    }

    private static Path save(final XYChart chart, final Path file) {
        return save(BitmapEncoder.getBufferedImage(chart), file);
    }

    static Path save(final BufferedImage image, final Path file) {
        try {
            Files.createDirectories(file.getParent());
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IOException("no PNG writer");
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plot " + file, e);
        }
    }

    /** Plot files in a run directory, by name. */
    public static List<Path> list(final Path runDir) {
        final Path dir = runDir.resolve(DIR);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".png")).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
