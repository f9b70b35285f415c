package org.isgd.infra.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.isgd.infra.bench.accuracy.CellResult;
import org.isgd.infra.bench.accuracy.EvaluationExport;
import org.isgd.infra.bench.accuracy.GridOutputs;
import org.isgd.infra.bench.accuracy.GridPlots;
import org.isgd.infra.bench.accuracy.GridSettings;
import org.isgd.infra.bench.accuracy.GridSpan;
import org.isgd.infra.bench.accuracy.GridSummary;
import org.isgd.infra.bench.accuracy.ResultsLog;

/**
 * report.html of a grid's run directory: one self-contained page (no scripts, no external
 * resources) with the commands, machine, dates and total time, the summary tables, and the plots
 * linked relatively, so the directory can be copied or served as it is.
 */
public final class ReportPage {
    public static final String FILE = "report.html";

    private ReportPage() {
    }

    /** Writes {@code runDir/report.html} from results.jsonl, grid.json and the plots present. */
    public static Path write(final Path runDir, final String machine) {
        final List<CellResult> results = ResultsLog.in(runDir).read();
        if (results.isEmpty()) {
            throw new IllegalArgumentException(runDir + " holds no finished runs (" + ResultsLog.FILE
                    + " missing or empty); give the directory 'isgd bench accuracy' wrote its results to");
        }
        final Path file = runDir.resolve(FILE);
        try {
            Files.writeString(file, html(runDir, results, GridSettings.read(runDir), machine), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    static String html(final Path runDir, final List<CellResult> results, final GridSettings.Record grid,
                       final String machine) {
        final StringBuilder out = new StringBuilder();
        out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>isgd bench accuracy: ")
                .append(esc(runDir.getFileName().toString())).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}\n")
                .append("table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #bbb;padding:3px 8px}\n")
                .append("td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eee}\n")
                .append("img{max-width:100%;border:1px solid #ddd;margin:4px 0}code{background:#f4f4f4;padding:1px 3px}\n")
                .append(".lose{color:#a00}.win{color:#070;font-weight:bold}\n</style></head><body>\n");
        out.append("<h1>isgd bench accuracy</h1>\n<dl>\n");
        if (grid != null) {
            for (final GridSettings.Invocation invocation : grid.invocations()) {
                out.append("<dt>command, started ").append(esc(invocation.started())).append("</dt><dd><code>")
                        .append(esc(invocation.command())).append("</code></dd>\n");
            }
            out.append("<dt>settings</dt><dd><code>").append(esc(String.valueOf(grid.settings()))).append("</code></dd>\n");
            out.append("<dt>machine (grid)</dt><dd>").append(esc(grid.machine())).append("</dd>\n");
        }
        out.append("<dt>machine (report)</dt><dd>").append(esc(machine)).append("</dd>\n");
        final GridSpan span = GridSpan.of(results);
        out.append("<dt>runs</dt><dd>").append(esc(span.finished())).append("</dd>\n");
        out.append("<dt>total time</dt><dd>").append(esc(span.total())).append("</dd>\n");
        out.append("<dt>files</dt><dd>");
        for (final String name : List.of(ResultsLog.FILE, EvaluationExport.CSV, EvaluationExport.JSON, "summary.md")) {
            out.append("<a href=\"").append(esc(name)).append("\">").append(esc(name)).append("</a> ");
        }
        out.append("</dd>\n</dl>\n");
        out.append("<p>Target: the control arm's (Kafka-fed <code>uniform</code>, else <code>uniform (local)</code>) mean "
                + "final test accuracy at the same data and budget. Mean ± sample standard deviation over seeds. The test "
                + "set is Fashion-MNIST's balanced, clean test split for every data variant.</p>\n");
        final List<Path> plots = GridPlots.list(runDir);
        final List<GridSummary.Group> groups = GridSummary.groups(results);
        out.append("<h2>Headline</h2>\n<p>").append(esc(GridOutputs.HEADLINE_LEGEND)).append("</p>\n");
        GridSummary.headlines(groups).forEach(h -> headline(out, h));
        for (final GridSummary.Group group : groups) {
            out.append("<h2>").append(esc(group.title())).append("</h2>\n");
            table(out, group);
            final List<String> losses = GridSummary.losses(group);
            if (!losses.isEmpty()) {
                out.append("<ul>\n");
                losses.forEach(l -> out.append("<li class=\"lose\">").append(esc(l)).append("</li>\n"));
                out.append("</ul>\n");
            }
            final String suffix = group.data() + "-b" + Math.round(100 * group.budget()) + ".png";
            for (final String kind : List.of("accuracy-", "class-share-", "importance-")) {
                image(out, plots, kind + suffix);
            }
            plots.stream().map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("extremes-" + group.data() + "-") && n.contains("-b"
                            + Math.round(100 * group.budget()) + "-"))
                    .forEach(n -> image(out, plots, n));
        }
        out.append("</body></html>\n");
        return out.toString();
    }

    private static void table(final StringBuilder out, final GridSummary.Group group) {
        final GridSummary.Row control = group.control();
        out.append("<table><tr><th>arm</th><th>feed</th><th>seeds</th><th>final test acc</th><th>balanced acc</th>"
                + "<th>Δ acc</th><th>steps to target</th><th>reached</th><th>train s to target</th>"
                + "<th>speed-up (steps)</th><th>speed-up (wall)</th><th>wall vs local loader</th></tr>\n");
        for (final GridSummary.Row row : group.rows()) {
            out.append("<tr><td>").append(esc(row.arm())).append("</td><td>").append(esc(row.feed())).append("</td>");
            for (final String cell : List.of(Integer.toString(row.seeds()), row.accuracy().format(4),
                    row.balancedAccuracy().format(4),
                    control == null ? "—" : String.format(Locale.ROOT, "%+.4f", row.accuracyDelta(control)),
                    row.steps().format(0), row.reached() + "/" + row.seeds(), row.seconds().format(1),
                    GridSummary.times(row.speedUp()), GridSummary.times(row.wallSpeedUp()),
                    GridSummary.times(row.wallSpeedUpLocal()))) {
                out.append("<td class=\"n\">").append(esc(cell)).append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</table>\n");
        if (control != null) {
            out.append(String.format(Locale.ROOT, "<p>Target %.4f (%s).</p>%n", control.target(), esc(control.arm())));
        }
    }

    private static void headline(final StringBuilder out, final GridSummary.Headline h) {
        out.append("<h3>Balanced accuracy against ").append(esc(h.baseline())).append("</h3>\n<table><tr><th>data, budget</th>");
        h.arms().forEach(a -> out.append("<th>").append(esc(a)).append("</th>"));
        out.append("</tr>\n");
        for (int r = 0; r < h.rowTitles().size(); r++) {
            out.append("<tr><td>").append(esc(h.rowTitles().get(r))).append("</td>");
            for (int c = 0; c < h.arms().size(); c++) {
                final String cell = h.cells().get(r).get(c);
                final GridSummary.Verdict verdict = h.verdicts().get(r).get(c);
                out.append("<td class=\"n").append(verdict == GridSummary.Verdict.WIN ? " win"
                        : verdict == GridSummary.Verdict.LOSS ? " lose" : "").append("\">")
                        .append(cell == null ? "—" : esc(cell)).append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</table>\n<p>").append(esc(h.count())).append("</p>\n");
    }

    private static void image(final StringBuilder out, final List<Path> plots, final String name) {
        if (plots.stream().anyMatch(p -> p.getFileName().toString().equals(name))) {
            out.append("<p><img src=\"").append(GridPlots.DIR).append('/').append(esc(name)).append("\" alt=\"")
                    .append(esc(name)).append("\"></p>\n");
        }
    }

    static String esc(final String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
