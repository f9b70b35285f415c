package org.isgd.infra.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.isgd.infra.cli.Isgd;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code isgd query} without a sampler: one-line errors, exit 1, no stack traces. */
class QueryCommandTest {

    private static String[] run(final int expectedExit, final String... args) {
        final CommandLine cli = Isgd.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertEquals(expectedExit, cli.execute(args), out + "\n" + err);
        return err.toString().strip().split("\n");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aRefusedConnectionIsOneLineThatSaysWhatToDo() throws IOException {
        final String api = "http://127.0.0.1:" + closedPort();
        for (final String[] command : new String[][] {{"query", "runs"}, {"query", "sample", "r1", "5", "--as-of", "0"},
                {"query", "health"}}) {
            final String[] args = java.util.Arrays.copyOf(command, command.length + 2);
            args[command.length] = "--api";
            args[command.length + 1] = api;
            final String[] lines = run(Isgd.EXIT_ERROR, args);
            assertEquals(1, lines.length, String.join("\n", lines));
            assertEquals("isgd: no sampler API at " + api + "; start 'isgd sampler' or pass --api", lines[0]);
        }
    }

    @Test
    void aMalformedApiAddressIsAUsageError() {
        final String[] lines = run(Isgd.EXIT_ERROR, "query", "runs", "--api", "not a url");
        assertEquals(1, lines.length);
        assertTrue(lines[0].contains("--api must be a URL such as http://127.0.0.1:8085"), lines[0]);
    }

    @Test
    void aSampleIdMustBeANumber() {
        final String[] lines = run(Isgd.EXIT_USAGE, "query", "sample", "r1", "five");
        assertFalse(lines[0].contains("Exception"), lines[0]);
    }

    @Test
    void theSamplerRefusesARemoteApiBindBeforeConnecting() {
        final String[] lines = run(Isgd.EXIT_ERROR, "sampler", "--api-bind", "0.0.0.0", "--bootstrap-servers", "127.0.0.1:1");
        assertEquals(1, lines.length, String.join("\n", lines));
        assertTrue(lines[0].contains("--allow-remote-api"), lines[0]);
    }
}
