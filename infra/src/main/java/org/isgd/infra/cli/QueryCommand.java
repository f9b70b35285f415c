package org.isgd.infra.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.isgd.infra.common.Errors;
import org.isgd.infra.common.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code isgd query}: the client of a sampler's HTTP query API. Any instance answers for every
 * run (it forwards to the run's owner), so one {@code --api} address is enough.
 */
@Command(name = "query", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Ask a running sampler (its HTTP query API): runs and their statistics, a sample's state and "
                + "history, the hardest samples, suspected mislabels, health.",
        subcommands = {QueryCommand.Runs.class, QueryCommand.Run.class, QueryCommand.Sample.class,
                QueryCommand.History.class, QueryCommand.Hardest.class, QueryCommand.Suspects.class,
                QueryCommand.Health.class})
final class QueryCommand {
    static final String DEFAULT_API = "http://127.0.0.1:8085";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private QueryCommand() {
    }

    /** What every query shares: where the API is, raw or readable output, the HTTP round trip. */
    abstract static class Query implements Callable<Integer> {
        @Option(names = "--api", paramLabel = "URL", defaultValue = "${env:ISGD_API:-" + DEFAULT_API + "}",
                description = "Base URL of a sampler's query API (env ISGD_API); see 'isgd sampler --api-port'.")
        String api;

        @Option(names = "--json", description = "Print the API's JSON answer as it is.")
        boolean json;

        @Spec
        CommandSpec spec;

        /** The request path and query, e.g. /runs/r1/hardest?k=10. */
        abstract String path();

        /** Prints the answer as a readable table or list. */
        abstract void print(JsonNode answer, PrintWriter out);

        @Override
        public Integer call() {
            final Answer answer = get(api, path());
            if (answer.status() >= 400) {
                throw new UsageException("sampler API at " + api + ": " + answer.body().path("error").asText("HTTP "
                        + answer.status()) + " (HTTP " + answer.status() + ")");
            }
            print(answer, out());
            return 0;
        }

        void print(final Answer answer, final PrintWriter out) {
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
    }

    /** An HTTP status with its JSON body. */
    record Answer(int status, JsonNode body) {
    }

    /** GET {@code base + path}; a refused connection or a timeout is a one-line {@link UsageException}. */
    static Answer get(final String base, final String path) {
        final URI uri;
        try {
            uri = URI.create(base.replaceAll("/+$", "") + path);
            if (uri.getHost() == null || !uri.getScheme().startsWith("http")) {
                throw new IllegalArgumentException("no host");
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--api must be a URL such as " + DEFAULT_API + ", was '" + base + "'");
        }
        final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        final HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).GET().build();
        try {
            final HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), parse(response.body(), base, response.statusCode()));
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw noApi(base);
        } catch (HttpTimeoutException e) {
            throw new UsageException("the sampler API at " + base + " did not answer within 15 s; is it overloaded?");
        } catch (IOException e) {
            if (e.getCause() instanceof ConnectException) {
                throw noApi(base);
            }
            throw new UsageException("asking the sampler API at " + base + " failed: " + Errors.describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UsageException("interrupted while asking " + base);
        }
    }

    private static UsageException noApi(final String base) {
        return new UsageException("no sampler API at " + base + "; start 'isgd sampler' or pass --api");
    }

    private static JsonNode parse(final String body, final String base, final int status) {
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new UsageException(base + " answered HTTP " + status + " with something that is not JSON; is --api "
                    + "the address of an isgd sampler?");
        }
    }

    static String pretty(final JsonNode node) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String segment(final String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Command(name = "runs", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Every run on every sampler instance, with its statistics.")
    static final class Runs extends Query {
        @Override
        String path() {
            return "/runs";
        }

        @Override
        void print(final JsonNode answer, final PrintWriter out) {
            final Table table = new Table("RUN", "DATASET", "POLICY", "STATE", "PHASE", "POPULATION", "BATCHES", "LEAD",
                    "ESS", "TAU", "STALE_MS", "SUSPECTS", "OWNER");
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

    @Command(name = "run", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "One run's statistics: per-class share of draws, effective sample size, tau, staleness, lead.")
    static final class Run extends Query {
        @Parameters(paramLabel = "RUN_ID", description = "The run.")
        String runId;

        @Override
        String path() {
            return "/runs/" + segment(runId);
        }

        @Override
        void print(final JsonNode run, final PrintWriter out) {
            out.printf("run %s on dataset %s: policy %s, %s, phase %s (answered by %s)%n", run.path("runId").asText(),
                    run.path("dataset").asText(), run.path("policy").asText(), run.path("state").asText(),
                    run.path("phase").asText(), run.path("owner").asText());
            final Table facts = new Table("", "");
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
            final Table classes = new Table("CLASS", "DRAWS", "SHARE");
            for (int c = 0; c < run.path("classDraws").size(); c++) {
                classes.row("" + c, run.path("classDraws").get(c).asText(),
                        String.format(Locale.ROOT, "%.1f%%", 100 * run.path("classShares").get(c).asDouble()));
            }
            out.println();
            classes.print(out);
        }
    }

    @Command(name = "sample", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "A sample's current state in a run, or its state as of a time (--as-of).")
    static final class Sample extends Query {
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
            return "/runs/" + segment(runId) + "/samples/" + sampleId + (asOf == null ? "" : "?asOf=" + segment(asOf));
        }

        @Override
        void print(final JsonNode answer, final PrintWriter out) {
            out.printf("sample %d in run %s (dataset %s)%s%s%n", answer.path("sampleId").asLong(),
                    answer.path("runId").asText(), answer.path("dataset").asText(),
                    answer.path("asOfIso").isTextual() ? " as of " + answer.path("asOfIso").asText() : "",
                    answer.path("suspect").asBoolean() ? " — SUSPECTED MISLABEL" : "");
            final JsonNode s = answer.path("state");
            final Table facts = new Table("", "");
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

    @Command(name = "history", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Every state a sample had in a run, oldest first, with the time of each prediction.")
    static final class History extends Query {
        @Parameters(index = "0", paramLabel = "RUN_ID", description = "The run.")
        String runId;
        @Parameters(index = "1", paramLabel = "SAMPLE_ID", description = "The sample.")
        long sampleId;

        @Override
        String path() {
            return "/runs/" + segment(runId) + "/samples/" + sampleId + "/history";
        }

        @Override
        void print(final JsonNode answer, final PrintWriter out) {
            final Table table = new Table("TIME", "EPOCH_MS", "VISIT", "LABEL", "PREDICTED", "P_CORRECT", "LOSS",
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

    @Command(name = "hardest", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "The k samples of a run with the highest latest loss, hardest first.")
    static final class Hardest extends Query {
        @Parameters(paramLabel = "RUN_ID", description = "The run.")
        String runId;
        @Option(names = "-k", defaultValue = "10", description = "How many samples.")
        int k;

        @Override
        String path() {
            return "/runs/" + segment(runId) + "/hardest?k=" + k;
        }

        @Override
        void print(final JsonNode answer, final PrintWriter out) {
            samples(answer.path("samples"), out, "(no sample of run " + runId + " has been trained yet)");
        }
    }

    @Command(name = "suspects", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "A run's suspected mislabels (the noise guard's flags) with their current states.")
    static final class Suspects extends Query {
        @Parameters(paramLabel = "RUN_ID", description = "The run.")
        String runId;

        @Override
        String path() {
            return "/runs/" + segment(runId) + "/suspects";
        }

        @Override
        void print(final JsonNode answer, final PrintWriter out) {
            samples(answer.path("samples"), out, "(no suspected mislabels in run " + runId + ")");
        }
    }

    @Command(name = "health", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "The sampler's Kafka Streams state; exit 0 only when RUNNING.")
    static final class Health extends Query {
        @Override
        String path() {
            return "/health";
        }

        @Override
        public Integer call() {
            final Answer answer = get(api, path());
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

    static void samples(final JsonNode samples, final PrintWriter out, final String none) {
        if (samples.isEmpty()) {
            out.println(none);
            return;
        }
        final Table table = new Table("RANK", "SAMPLE", "LOSS", "P_CORRECT", "LABEL", "PREDICTED", "VISITS", "UPDATED");
        int rank = 0;
        for (final JsonNode entry : samples) {
            final JsonNode s = entry.path("state");
            table.row("" + ++rank, entry.path("sampleId").asText(), number(s.path("loss")), number(s.path("pCorrect")),
                    s.path("label").asText("-"), s.path("predicted").asText("-"), s.path("visits").asText("-"),
                    s.path("updatedAtIso").asText("-"));
        }
        table.print(out);
    }

    static String number(final JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.4g", value.asDouble()) : "-";
    }

    static String orDash(final JsonNode value) {
        return value.isMissingNode() || value.isNull() ? "-" : value.asText();
    }

    static String longs(final JsonNode array) {
        final List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return String.join(",", values);
    }

    /** Left-aligned columns as wide as their widest cell. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();
        private final int columns;

        Table(final String... header) {
            columns = header.length;
            rows.add(header);
        }

        void row(final String... cells) {
            rows.add(cells);
        }

        boolean isEmpty() {
            return rows.size() == 1;
        }

        void print(final PrintWriter out) {
            print(out, true);
        }

        void print(final PrintWriter out, final boolean header) {
            final int[] widths = new int[columns];
            for (final String[] row : rows) {
                for (int c = 0; c < columns; c++) {
                    widths[c] = Math.max(widths[c], row[c].length());
                }
            }
            for (final String[] row : header ? rows : rows.subList(1, rows.size())) {
                final StringBuilder line = new StringBuilder();
                for (int c = 0; c < columns; c++) {
                    line.append(c == columns - 1 ? row[c] : String.format("%-" + (widths[c] + 2) + "s", row[c]));
                }
                out.println(line.toString().stripTrailing());
            }
        }
    }
}
