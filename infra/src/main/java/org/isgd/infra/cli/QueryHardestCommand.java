package org.isgd.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import org.isgd.infra.query.QueryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code isgd query hardest}. */
@Command(name = "hardest", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "The k samples of a run with the highest latest loss, hardest first.")
final class QueryHardestCommand extends ApiQuery {
    @Parameters(paramLabel = "RUN_ID", description = "The run.")
    String runId;
    @Option(names = "-k", defaultValue = "10", description = "How many samples.")
    int k;

    @Override
    String path() {
        return "/runs/" + QueryClient.segment(runId) + "/hardest?k=" + k;
    }

    @Override
    void print(final JsonNode answer, final PrintWriter out) {
        printSamples(answer.path("samples"), out, "(no sample of run " + runId + " has been trained yet)");
    }
}
