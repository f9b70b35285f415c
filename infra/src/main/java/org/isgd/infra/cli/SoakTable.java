package org.isgd.infra.cli;

import org.isgd.infra.soak.Soak;

/** A soak's verdict as Markdown tables, for the command's output and the committed results. */
public final class SoakTable {
    private SoakTable() {
    }

    public static String of(final Soak.Report r) {
        final StringBuilder out = new StringBuilder();
        out.append(String.format("%n| kills | batches emitted | trained | lost | duplicated | out of order | "
                + "acks duplicated / missing | predictions published | samples checked (visits, mismatched) |%n"));
        out.append("|---:|---:|---:|---:|---:|---:|---|---:|---|\n");
        out.append(String.format("| %d | %,d | %,d | %d | %d | %d | %d / %d | %,d | %d (%,d, %d) |%n", r.kills().size(),
                r.batchesEmitted(), r.batchesTrained(), r.lost(), r.duplicated(), r.outOfOrder(),
                r.acknowledgementsDuplicated(), r.acknowledgementsMissing(), r.predictionsPublished(), r.samplesChecked(),
                r.visitsChecked(), r.visitsMismatched()));
        out.append(String.format("%n| kind | kills | restart-to-first-batch p50 ms | p99 ms | max ms |%n|---|---:|---:|---:|---:|%n"));
        r.restartMs().forEach((kind, ms) -> out.append(String.format("| %s | %d | %,d | %,d | %,d |%n", kind,
                ms.get("kills"), ms.get("p50"), ms.get("p99"), ms.get("max"))));
        r.mismatches().forEach(m -> out.append("mismatch: ").append(m).append('\n'));
        if (r.stalls() > 0) {
            out.append(r.stalls()).append(" kill(s) were followed by no batch within 120 s: stalls (see the log)\n");
        }
        out.append(String.format("%.0f s in all; %s%n", r.seconds(), r.clean() ? "clean: nothing lost, duplicated or "
                + "reordered" : "NOT CLEAN"));
        return out.toString();
    }
}
