package org.isgd.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import org.isgd.infra.query.QueryClient;
import picocli.CommandLine.Command;

/** {@code isgd query health}. */
@Command(name = "health", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "The sampler's Kafka Streams state; exit 0 only when RUNNING.")
final class QueryHealthCommand extends ApiQuery {
    @Override
    String path() {
        return "/health";
    }

    @Override
    public Integer call() {
        final QueryClient.Answer answer = QueryClient.get(api, path());
        if (json) {
            print(answer, out());
        } else {
            final String error = answer.body().path("error").asText("");
            out().println("sampler at " + api + ": " + answer.body().path("state").asText("?")
                    + (error.isEmpty() ? "" : " — " + error));
            out().flush();
        }
        return answer.status() == 200 ? 0 : Isgd.EXIT_ERROR;
    }

    @Override
    void print(final JsonNode answer, final PrintWriter out) {
        out.println(answer.path("state").asText());
    }
}
