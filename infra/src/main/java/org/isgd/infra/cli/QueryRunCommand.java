package org.isgd.infra.cli;

import static org.isgd.infra.query.JsonText.longs;
import static org.isgd.infra.query.JsonText.number;
import static org.isgd.infra.query.JsonText.orDash;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Locale;
import org.isgd.infra.query.QueryClient;
import org.isgd.infra.query.TextTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code isgd query run}. */
@Command(name = "run", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "One run's statistics: per-class share of draws, effective sample size, tau, staleness, lead.")
final class QueryRunCommand extends ApiQuery {
    @Parameters(paramLabel = "RUN_ID", description = "The run.")
    String runId;

    @Override
    String path() {
        return "/runs/" + QueryClient.segment(runId);
    }

    @Override
    void print(final JsonNode run, final PrintWriter out) {
        out.printf("run %s on dataset %s: policy %s, %s, phase %s (answered by %s)%n", run.path("runId").asText(),
                run.path("dataset").asText(), run.path("policy").asText(), run.path("state").asText(),
                run.path("phase").asText(), run.path("owner").asText());
        final TextTable facts = new TextTable("", "");
        facts.row("population", run.path("population").asText());
        facts.row("batches emitted", run.path("nextBatchSeq").asText());
        facts.row("acknowledged (per rank)", longs(run.path("acked")));
        facts.row("lead (per rank)", longs(run.path("lead")));
        facts.row("effective sample size", number(run.path("effectiveSampleSize")));
        facts.row("tau", number(run.path("tau")));
        facts.row("staleness (ms)", orDash(run.path("stalenessMs")));
        facts.row("suspected mislabels", run.path("suspects").size() + " " + longs(run.path("suspects")));
        run.path("policyStats").properties().forEach(e -> facts.row("policy " + e.getKey(), number(e.getValue())));
        facts.print(out, false);
        final TextTable classes = new TextTable("CLASS", "DRAWS", "SHARE");
        for (int c = 0; c < run.path("classDraws").size(); c++) {
            classes.row("" + c, run.path("classDraws").get(c).asText(),
                    String.format(Locale.ROOT, "%.1f%%", 100 * run.path("classShares").get(c).asDouble()));
        }
        out.println();
        classes.print(out);
    }
}
