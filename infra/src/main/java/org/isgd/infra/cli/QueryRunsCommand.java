package org.isgd.infra.cli;

import static org.isgd.infra.query.JsonText.longs;
import static org.isgd.infra.query.JsonText.number;
import static org.isgd.infra.query.JsonText.orDash;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import org.isgd.infra.query.TextTable;
import picocli.CommandLine.Command;

/** {@code isgd query runs}. */
@Command(name = "runs", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Every run on every sampler instance, with its statistics.")
final class QueryRunsCommand extends ApiQuery {
    @Override
    String path() {
        return "/runs";
    }

    @Override
    void print(final JsonNode answer, final PrintWriter out) {
        final TextTable table = new TextTable("RUN", "DATASET", "POLICY", "STATE", "PHASE", "POPULATION", "BATCHES",
                "LEAD", "ESS", "TAU", "STALE_MS", "SUSPECTS", "OWNER");
        for (final JsonNode run : answer.path("runs")) {
            table.row(run.path("runId").asText(), run.path("dataset").asText(), run.path("policy").asText(),
                    run.path("state").asText(), run.path("phase").asText(), run.path("population").asText(),
                    run.path("nextBatchSeq").asText(), longs(run.path("lead")), number(run.path("effectiveSampleSize")),
                    number(run.path("tau")), orDash(run.path("stalenessMs")), "" + run.path("suspects").size(),
                    run.path("owner").asText());
        }
        if (table.isEmpty()) {
            out.println("(no runs; create one with 'isgd run create')");
        } else {
            table.print(out);
        }
        for (final JsonNode missing : answer.path("unreachable")) {
            out.println("(instance " + missing.path("instance").asText() + " did not answer: "
                    + missing.path("error").asText() + "; its runs are missing)");
        }
    }
}
