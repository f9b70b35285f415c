package org.isgd.infra.cli;

import static org.isgd.infra.query.JsonText.number;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import org.isgd.infra.query.QueryClient;
import org.isgd.infra.query.TextTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code isgd query sample}. */
@Command(name = "sample", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "A sample's current state in a run, or its state as of a time (--as-of).")
final class QuerySampleCommand extends ApiQuery {
    @Parameters(index = "0", paramLabel = "RUN_ID", description = "The run.")
    String runId;
    @Parameters(index = "1", paramLabel = "SAMPLE_ID", description = "The sample.")
    long sampleId;
    @Option(names = "--as-of", paramLabel = "TIME",
            description = "Epoch milliseconds or ISO-8601 (2024-05-01T12:00:00Z): the state after the last prediction "
                    + "at or before it.")
    String asOf;

    @Override
    String path() {
        return "/runs/" + QueryClient.segment(runId) + "/samples/" + sampleId
                + (asOf == null ? "" : "?asOf=" + QueryClient.segment(asOf));
    }

    @Override
    void print(final JsonNode answer, final PrintWriter out) {
        out.printf("sample %d in run %s (dataset %s)%s%s%n", answer.path("sampleId").asLong(),
                answer.path("runId").asText(), answer.path("dataset").asText(),
                answer.path("asOfIso").isTextual() ? " as of " + answer.path("asOfIso").asText() : "",
                answer.path("suspect").asBoolean() ? " — SUSPECTED MISLABEL" : "");
        final JsonNode s = answer.path("state");
        final TextTable facts = new TextTable("", "");
        facts.row("label", s.path("label").asText());
        facts.row("predicted", s.path("predicted").asText());
        facts.row("pCorrect", number(s.path("pCorrect")));
        facts.row("loss", number(s.path("loss")));
        facts.row("grad-norm bound", number(s.path("gradNormBound")));
        facts.row("visits", s.path("visits").asText());
        facts.row("last batch / step", s.path("lastBatchSeq").asText() + " / " + s.path("lastStep").asText());
        facts.row("updated", s.path("updatedAtIso").asText() + " (" + s.path("updatedAt").asText() + ")");
        facts.print(out, false);
    }
}
