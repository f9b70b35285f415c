package org.isgd.infra.bench.accuracy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.isgd.sampler.policy.UniformPolicy;

/** Rewrites a run directory's derived files from its results: evaluations.csv/json, summary.md and the plots. */
public final class GridOutputs {
    public static final String SUMMARY = "summary.md";
    /** What the headline tables' cells mean, for summary.md and report.html. */
    public static final String HEADLINE_LEGEND = "Balanced accuracy (mean over seeds) of the column's arm minus the "
            + "baseline's, in points. Win or loss when Welch's two-sided t-test over the seeds gives p < 0.05; tie "
            + "means no significant difference (with a few seeds only large, steady gaps pass). Each cell is tested "
            + "alone, without a correction for multiple comparisons: among dozens of cells one or two wins or losses "
            + "are expected by chance. The count is over the cells of the importance-sampling policies (the Kafka-fed "
            + "arms other than uniform).";

    private GridOutputs() {
    }

    /**
     * Per (data, budget, arm) of Kafka-fed runs on flipped labels: what the sampler's noise guard had flagged when the
     * run ended, mean over seeds; empty when no run recorded it.
     */
    static String noiseGuard(final List<CellResult> results) {
        final java.util.Map<String, List<CellResult>> byCell = results.stream()
                .filter(r -> r.noiseGuard() != null && !r.policy().equals(UniformPolicy.NAME)) // uniform has no guard
                .collect(java.util.stream.Collectors.groupingBy(r -> r.data() + " | " + GridCell.percent(r.budget())
                        + " | " + r.arm(), java.util.TreeMap::new, java.util.stream.Collectors.toList()));
        if (byCell.isEmpty()) {
            return "";
        }
        final StringBuilder md = new StringBuilder("## Noise guard\n\nWhat each Kafka-fed run's noise guard had "
                + "flagged when the run ended (mean over seeds): precision = flagged samples whose label was flipped ÷ "
                + "flagged, recall = the same ÷ all flipped samples.\n\n"
                + "| data | budget | arm | seeds | flagged | precision | recall |\n"
                + "| --- | --- | --- | ---: | ---: | ---: | ---: |\n");
        byCell.forEach((key, runs) -> {
            final double flagged = runs.stream().mapToLong(r -> r.noiseGuard().flagged()).average().orElse(0);
            final double hits = runs.stream().mapToLong(r -> r.noiseGuard().flaggedFlipped()).average().orElse(0);
            final double flipped = runs.stream().mapToLong(r -> r.noiseGuard().flipped()).average().orElse(0);
            md.append(String.format(java.util.Locale.ROOT, "| %s | %d | %.0f | %s | %.3f |%n", key, runs.size(), flagged,
                    flagged == 0 ? "—" : String.format(java.util.Locale.ROOT, "%.3f", hits / flagged),
                    flipped == 0 ? 0.0 : hits / flipped));
        });
        return md.append('\n').toString();
    }

    /** @return the summary tables as markdown */
    public static String write(final Path runDir, final List<CellResult> results, final String[] classNames,
                               final String machine) {
        EvaluationExport.write(runDir, results);
        final List<GridSummary.Group> groups = GridSummary.groups(results);
        final String tables = GridSummary.markdown(groups);
        final GridSettings.Record grid = GridSettings.read(runDir);
        final StringBuilder md = new StringBuilder("# isgd bench accuracy\n\n");
        if (grid != null) {
            grid.invocations().forEach(i -> md.append("* `").append(i.command()).append("` (started ")
                    .append(i.started()).append(")\n"));
            md.append("* settings: ").append(grid.settings()).append('\n');
        }
        md.append("* machine: ").append(grid != null && grid.machine() != null ? grid.machine() : machine).append('\n');
        final GridSpan span = GridSpan.of(results);
        md.append("* runs: ").append(span.finished()).append('\n');
        md.append("* total time: ").append(span.total()).append("\n\n");
        md.append("Mean ± sample standard deviation over seeds. Target: the control arm's mean final test accuracy "
                + "(Kafka-fed `uniform`, else `uniform (local)`); speed-up = control's mean steps (or training seconds) "
                + "to the target ÷ the arm's, over the seeds that reached it.\n\n");
        md.append("## Headline\n\n").append(HEADLINE_LEGEND).append("\n\n")
                .append(GridSummary.headlineMarkdown(GridSummary.headlines(groups)));
        md.append(tables);
        md.append(noiseGuard(results));
        try {
            Files.writeString(runDir.resolve(SUMMARY), md.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + runDir.resolve(SUMMARY), e);
        }
        GridPlots.writeAll(runDir, results, classNames);
        return tables;
    }
}
