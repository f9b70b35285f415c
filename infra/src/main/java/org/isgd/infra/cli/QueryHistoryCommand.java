package org.isgd.infra.cli;

import static org.isgd.infra.query.JsonText.number;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import org.isgd.infra.query.QueryClient;
import org.isgd.infra.query.TextTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code isgd query history}. */
@Command(name = "history", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Every state a sample had in a run, oldest first, with the time of each prediction.")
final class QueryHistoryCommand extends ApiQuery {
    @Parameters(index = "0", paramLabel = "RUN_ID", description = "The run.")
    String runId;
    @Parameters(index = "1", paramLabel = "SAMPLE_ID", description = "The sample.")
    long sampleId;

    @Override
    String path() {
        return "/runs/" + QueryClient.segment(runId) + "/samples/" + sampleId + "/history";
    }

    @Override
    void print(final JsonNode answer, final PrintWriter out) {
        final TextTable table = new TextTable("TIME", "EPOCH_MS", "VISIT", "LABEL", "PREDICTED", "P_CORRECT", "LOSS",
                "GRAD_BOUND", "BATCH");
        for (final JsonNode past : answer.path("history")) {
            final JsonNode s = past.path("state");
            table.row(past.path("time").asText(), past.path("timestamp").asText(), s.path("visits").asText(),
                    s.path("label").asText(), s.path("predicted").asText(), number(s.path("pCorrect")),
                    number(s.path("loss")), number(s.path("gradNormBound")), s.path("lastBatchSeq").asText());
        }
        out.printf("sample %d in run %s: %d states%n", answer.path("sampleId").asLong(), answer.path("runId").asText(),
                answer.path("history").size());
        table.print(out);
    }
}
