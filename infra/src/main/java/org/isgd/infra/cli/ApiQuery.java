package org.isgd.infra.cli;

import static org.isgd.infra.query.JsonText.number;
import static org.isgd.infra.query.JsonText.pretty;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.isgd.infra.common.UsageException;
import org.isgd.infra.query.QueryClient;
import org.isgd.infra.query.TextTable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What every query shares: where the API is, raw or readable output, the HTTP round trip. */
abstract class ApiQuery implements Callable<Integer> {
    @Option(names = "--api", paramLabel = "URL", defaultValue = "${env:ISGD_API:-" + QueryClient.DEFAULT_API + "}",
            description = "Base URL of a sampler's query API (env ISGD_API); see 'isgd sampler --api-port'.")
    String api;

    @Option(names = "--api-token-file", paramLabel = "FILE",
            description = "The sampler API's bearer token (first line); default: env " + QueryClient.TOKEN_ENV + ".")
    java.nio.file.Path apiTokenFile;

    @Option(names = "--json", description = "Print the API's JSON answer as it is.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** The bearer token: from --api-token-file, else the environment, else none. */
    String token() {
        try {
            return org.isgd.sampler.api.ApiAccess.token(apiTokenFile, System.getenv()); // as the sampler reads it
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The request path and query, e.g. /runs/r1/hardest?k=10. */
    abstract String path();

    /** Prints the answer as a readable table or list. */
    abstract void print(JsonNode answer, PrintWriter out);

    @Override
    public Integer call() {
        final QueryClient.Answer answer = QueryClient.get(api, path(), token());
        if (answer.status() >= 400) {
            throw new UsageException("sampler API at " + api + ": " + answer.body().path("error").asText("HTTP "
                    + answer.status()) + " (HTTP " + answer.status() + ")");
        }
        print(answer, out());
        return 0;
    }

    void print(final QueryClient.Answer answer, final PrintWriter out) {
        if (json) {
            out.println(pretty(answer.body()));
        } else {
            print(answer.body(), out);
        }
        out.flush();
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** The samples of a hardest or suspects answer as a ranked table, or {@code none} when there are none. */
    static void printSamples(final JsonNode samples, final PrintWriter out, final String none) {
        if (samples.isEmpty()) {
            out.println(none);
            return;
        }
        final TextTable table = new TextTable("RANK", "SAMPLE", "LOSS", "P_CORRECT", "LABEL", "PREDICTED", "VISITS",
                "UPDATED");
        int rank = 0;
        for (final JsonNode entry : samples) {
            final JsonNode s = entry.path("state");
            table.row("" + ++rank, entry.path("sampleId").asText(), number(s.path("loss")), number(s.path("pCorrect")),
                    s.path("label").asText("-"), s.path("predicted").asText("-"), s.path("visits").asText("-"),
                    s.path("updatedAtIso").asText("-"));
        }
        table.print(out);
    }
}
