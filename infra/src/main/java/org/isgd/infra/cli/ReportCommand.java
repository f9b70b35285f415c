package org.isgd.infra.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.isgd.infra.bench.accuracy.GridOutputs;
import org.isgd.infra.bench.accuracy.ResultsLog;
import org.isgd.infra.common.Machine;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.local.TrainingRun;
import org.isgd.infra.report.ReportPage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code isgd report RUN_DIR}: the HTML page of a benchmark run directory. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Assemble a run directory of 'isgd bench accuracy' (results.jsonl, grid.json, plots/) into one "
                + "self-contained HTML page, RUN_DIR/report.html, with the plots linked relatively. summary.md, "
                + "evaluations.csv/json and the plots are first rewritten from results.jsonl, so they match the page "
                + "(run it after the grid has finished, not while it still writes to RUN_DIR).")
final class ReportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "RUN_DIR", description = "The directory 'isgd bench accuracy' printed as 'results:'.")
    Path runDir;

    @Override
    public Integer call() {
        if (!Files.isDirectory(runDir)) {
            throw new UsageException("no directory " + runDir + "; give the directory 'isgd bench accuracy' printed "
                    + "as 'results:'");
        }
        try {
            final var results = ResultsLog.in(runDir).read();
            if (!results.isEmpty()) {
                GridOutputs.write(runDir, results, TrainingRun.FASHION_MNIST_CLASSES, Machine.describe());
                System.out.println("rewrote " + runDir.resolve(GridOutputs.SUMMARY) + ", evaluations.csv/json and plots/");
            }
            System.out.println("report: " + ReportPage.write(runDir, Machine.describe()).toAbsolutePath());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return 0;
    }
}
