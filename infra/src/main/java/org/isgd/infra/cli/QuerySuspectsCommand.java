package org.isgd.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import org.isgd.infra.query.QueryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code isgd query suspects}. */
@Command(name = "suspects", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "A run's suspected mislabels (the noise guard's flags) with their current states.")
final class QuerySuspectsCommand extends ApiQuery {
    @Parameters(paramLabel = "RUN_ID", description = "The run.")
    String runId;

    @Override
    String path() {
        return "/runs/" + QueryClient.segment(runId) + "/suspects";
    }

    @Override
    void print(final JsonNode answer, final PrintWriter out) {
        printSamples(answer.path("samples"), out, "(no suspected mislabels in run " + runId + ")");
    }
}
