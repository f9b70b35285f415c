package org.isgd.infra.bench.accuracy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.isgd.infra.common.Json;

/**
 * Every evaluation point of every finished run, flat: evaluations.csv (one row per point, per-class
 * columns numbered) and evaluations.json (the same rows as objects).
 */
public final class EvaluationExport {
    public static final String CSV = "evaluations.csv";
    public static final String JSON = "evaluations.json";

    private EvaluationExport() {
    }

    public static List<Map<String, Object>> rows(final List<CellResult> results) {
        final List<Map<String, Object>> rows = new ArrayList<>();
        for (final CellResult r : results) {
            for (final CellResult.EvalPoint p : r.evaluations()) {
                final Map<String, Object> row = new LinkedHashMap<>();
                row.put("arm", r.arm());
                row.put("policy", r.policy());
                row.put("feed", r.feed());
                row.put("augment", r.augment());
                row.put("data", r.data());
                row.put("budget", r.budget());
                row.put("seed", r.seed());
                row.put("runId", r.runId());
                row.put("step", p.step());
                row.put("trainSeconds", p.trainSeconds());
                row.put("testAccuracy", p.testAccuracy());
                row.put("balancedAccuracy", p.balancedAccuracy());
                row.put("trainLoss", p.trainLoss());
                row.put("flippedShare", p.flippedShare());
                row.put("perClassAccuracy", p.perClassAccuracy());
                row.put("classShares", p.classShares());
                rows.add(row);
            }
        }
        return rows;
    }

    public static void write(final Path runDir, final List<CellResult> results) {
        final List<Map<String, Object>> rows = rows(results);
        try {
            Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(runDir.resolve(JSON).toFile(), rows);
            Files.writeString(runDir.resolve(CSV), csv(rows), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write evaluations to " + runDir, e);
        }
    }

    static String csv(final List<Map<String, Object>> rows) {
        final StringBuilder out = new StringBuilder();
        final int classes = rows.isEmpty() ? 0 : ((double[]) rows.get(0).get("perClassAccuracy")).length;
        final List<String> header = new ArrayList<>();
        if (!rows.isEmpty()) {
            rows.get(0).keySet().stream().filter(k -> !(rows.get(0).get(k) instanceof double[])).forEach(header::add);
        }
        for (int c = 0; c < classes; c++) {
            header.add("accuracyClass" + c);
        }
        for (int c = 0; c < classes; c++) {
            header.add("shareClass" + c);
        }
        out.append(String.join(",", header)).append('\n');
        for (final Map<String, Object> row : rows) {
            final List<String> cells = new ArrayList<>();
            row.forEach((key, value) -> {
                if (!(value instanceof double[])) {
                    cells.add(cell(value));
                }
            });
            for (final double v : (double[]) row.get("perClassAccuracy")) {
                cells.add(cell(v));
            }
            for (final double v : (double[]) row.get("classShares")) {
                cells.add(cell(v));
            }
            out.append(String.join(",", cells)).append('\n');
        }
        return out.toString();
    }

    /** A CSV field: numbers in plain form, text quoted when it needs to be. */
    static String cell(final Object value) {
        if (value instanceof Double d) {
            return Double.isNaN(d) ? "NaN" : String.format(Locale.ROOT, "%.6g", d);
        }
        final String text = String.valueOf(value);
        return text.matches("[A-Za-z0-9 ._+()-]*") ? text : '"' + text.replace("\"", "\"\"") + '"';
    }
}
