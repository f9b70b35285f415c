package org.isgd.infra.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

class IsgdCliTest {

    /** Output and exit code of one command line. */
    record Outcome(int exit, String out, String err) {
    }

    static Outcome run(final String... args) {
        final CommandLine cli = Isgd.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        final int exit = cli.execute(args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    static Stream<String> everyCommand() {
        final List<String> paths = new ArrayList<>();
        collect(Isgd.commandLine(), "", paths);
        return paths.stream();
    }

    private static void collect(final CommandLine cmd, final String prefix, final List<String> paths) {
        for (final var entry : cmd.getSubcommands().entrySet()) {
            if (!entry.getKey().equals("help")) {
                final String path = (prefix + " " + entry.getKey()).trim();
                paths.add(path);
                collect(entry.getValue(), path, paths);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("everyCommand")
    void everyCommandHasHelp(final String command) {
        final List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.add("--help");
        final Outcome outcome = run(args.toArray(String[]::new));
        assertEquals(0, outcome.exit(), outcome.err());
        assertTrue(outcome.out().startsWith("Usage: isgd " + command), outcome.out());
    }

    @Test
    void theCommandsTheDesignNamesAreThere() {
        final List<String> commands = everyCommand().toList();
        for (final String expected : List.of("demo", "broker", "topics", "register", "run create", "run list", "run show",
                "run stop", "sampler", "train")) {
            assertTrue(commands.contains(expected), expected + " missing from " + commands);
        }
    }

    @Test
    void aWrongFlagGivesAOneLineErrorAndExitCode2() {
        final Outcome outcome = run("topics", "--no-such-flag");
        assertEquals(Isgd.EXIT_USAGE, outcome.exit());
        final String[] lines = outcome.err().strip().split("\n");
        assertEquals(2, lines.length, outcome.err());
        assertTrue(lines[0].startsWith("isgd: Unknown option: '--no-such-flag'"), lines[0]);
        assertEquals("Try 'isgd topics --help'.", lines[1]);
    }

    @Test
    void aMissingBrokerGivesAOneLineErrorWithoutAStackTrace() {
        final Outcome outcome = run("run", "list", "--bootstrap-servers", "127.0.0.1:1", "--connect-timeout", "2");
        assertEquals(Isgd.EXIT_ERROR, outcome.exit());
        assertEquals(1, outcome.err().strip().split("\n").length, outcome.err());
        assertTrue(outcome.err().startsWith("isgd: no Kafka broker answered at 127.0.0.1:1"), outcome.err());
        assertFalse(outcome.err().contains("\tat "), "no stack trace");
    }

    @Test
    void anUnknownPolicyIsRefusedBeforeAnythingIsPublished() {
        final Outcome outcome = run("run", "create", "--policy", "magic", "--bootstrap-servers", "127.0.0.1:1",
                "--connect-timeout", "1");
        assertEquals(Isgd.EXIT_ERROR, outcome.exit());
        assertTrue(outcome.err().startsWith("isgd: unknown policy 'magic'; choose one of: "), outcome.err());
        assertTrue(outcome.err().contains("uniform"), outcome.err());
    }

    @Test
    void anApiOffLoopbackWithoutATokenIsRefusedBeforeTheSamplerStarts() {
        final Outcome outcome = run("sampler", "--api-bind", "0.0.0.0", "--allow-remote-api", "--bootstrap-servers",
                "127.0.0.1:1");
        assertEquals(Isgd.EXIT_ERROR, outcome.exit());
        assertEquals(1, outcome.err().strip().split("\n").length, outcome.err());
        assertTrue(outcome.err().contains("without a bearer token"), outcome.err());
        assertTrue(outcome.err().contains("--api-token-file"), outcome.err());
    }

    @Test
    void clusterFlagsThatCannotWorkAreOneLineErrors() {
        final Outcome nodes = run("broker", "--nodes", "12");
        assertEquals(Isgd.EXIT_ERROR, nodes.exit());
        assertTrue(nodes.err().startsWith("isgd: --nodes must be 1 to 9"), nodes.err());
        final Outcome node = run("broker", "--nodes", "3", "--node", "4");
        assertTrue(node.err().startsWith("isgd: --node must be 1 to 3"), node.err());
        final Outcome anyPort = run("broker", "--nodes", "3", "--node", "1", "--port", "0");
        assertTrue(anyPort.err().startsWith("isgd: --node needs a fixed --port"), anyPort.err());
    }

    @Test
    void kafkaSettingsPassThroughUnchanged() {
        final KafkaOptions options = new KafkaOptions();
        new CommandLine(options).parseArgs("--bootstrap-servers", "b1:9093,b2:9093",
                "--kafka-config", "security.protocol=SASL_SSL", "--kafka-config", "sasl.mechanism=SCRAM-SHA-512");
        assertEquals("b1:9093,b2:9093", options.clientProperties().get("bootstrap.servers"));
        assertEquals("SASL_SSL", options.clientProperties().get("security.protocol"));
        assertEquals("SCRAM-SHA-512", options.clientProperties().get("sasl.mechanism"));
    }
}
