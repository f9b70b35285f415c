package org.isgd.infra.bench.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.isgd.infra.cli.Isgd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The grid's and the report's command-line errors, before anything trains. */
class GridCliTest {
    @TempDir
    Path dir;

    private static String[] run(final String... args) {
        final CommandLine cli = Isgd.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        final int exit = cli.execute(args);
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }

    @Test
    void anUnknownDataVariantOrBudgetIsRefused() {
        final String[] data = run("bench", "accuracy", "--data", "imbalanced", "--out", dir.toString());
        assertEquals(Integer.toString(Isgd.EXIT_ERROR), data[0]);
        assertTrue(data[2].startsWith("isgd: --data: unknown data variant 'imbalanced'; choose from [balanced, "
                + "long-tail, label-noise]"), data[2]);
        final String[] budget = run("bench", "accuracy", "--budgets", "1.5", "--out", dir.toString());
        assertTrue(budget[2].startsWith("isgd: --budgets takes fractions in (0, 1], got 1.5"), budget[2]);
        final String[] reference = run("bench", "accuracy", "--reference-epochs", "0", "--out", dir.toString());
        assertTrue(reference[2].startsWith("isgd: --reference-epochs takes a number of epochs > 0, got 0.0"),
                reference[2]);
        final String[] holdout = run("bench", "accuracy", "--policies", "rho-loss", "--limit", "50000", "--holdout",
                "20000", "--plan-only", "--out", dir.toString());
        assertEquals(Integer.toString(Isgd.EXIT_ERROR), holdout[0]);
        assertTrue(holdout[2].startsWith("isgd: --holdout 20000: the reference model trains on the training images "
                + "after the grid's 50000, of which 10000 are left; use --holdout at most 10000"), holdout[2]);
        final String[] policy = run("bench", "accuracy", "--policies", "magic", "--out", dir.toString());
        assertTrue(policy[2].startsWith("isgd: unknown policy 'magic'"), policy[2]);
        final String[] rate = run("bench", "accuracy", "--noise-rate", "1.5", "--out", dir.toString());
        assertEquals(Integer.toString(Isgd.EXIT_ERROR), rate[0]);
        assertTrue(rate[2].startsWith("isgd: --noise-rate: noise rate must be in [0, 1), got 1.5"), rate[2]);
        final String[] profile = run("bench", "accuracy", "--imbalance-profile", "linear", "--out", dir.toString());
        assertTrue(profile[2].startsWith("isgd: --imbalance-profile: unknown value 'linear'; choose from "
                + "[exponential, step]"), profile[2]);
    }

    /** What a command printed on System.out (the grid's plan goes there, not to picocli's writer). */
    private static String printed(final String... args) {
        final java.io.PrintStream before = System.out;
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertEquals(0, Isgd.commandLine().execute(args));
        } finally {
            System.setOut(before);
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void theBaselineArmsAreDroppedByTheirNoFlags() {
        final String both = printed("bench", "accuracy", "--plan-only", "--policies", "uniform", "--data", "balanced",
                "--budgets", "1.0", "--seeds", "0", "--limit", "1000", "--out", dir.toString());
        assertTrue(both.contains(GridArm.UNIFORM_LOCAL + " [local") && both.contains(GridArm.UNIFORM_STRONG_AUGMENT),
                both);
        final String neither = printed("bench", "accuracy", "--plan-only", "--policies", "uniform", "--data", "balanced",
                "--budgets", "1.0", "--seeds", "0", "--limit", "1000", "--no-local-baseline", "--no-strong-augment",
                "--out", dir.toString());
        assertTrue(neither.contains("arms: uniform [kafka") && !neither.contains("(local)"), neither);
    }

    @Test
    void theHelpNamesTheGridAxes() {
        final String help = run("bench", "accuracy", "--help")[1];
        for (final String flag : new String[] {"--policies", "--data", "--budgets", "--seeds", "--epochs", "--quick",
                "--strong-augment", "--out", "--plan-only", "--imbalance-ratio", "--imbalance-profile", "--noise-rate",
                "--noise-kind", "--holdout", "--reference-epochs"}) {
            assertTrue(help.contains(flag), flag + " missing from\n" + help);
        }
    }

    @Test
    void aReportOfADirectoryWithoutResultsSaysWhatToGive() throws Exception {
        Files.createDirectories(dir.resolve("empty"));
        final String[] outcome = run("report", dir.resolve("empty").toString());
        assertEquals(Integer.toString(Isgd.EXIT_ERROR), outcome[0]);
        assertTrue(outcome[2].contains("holds no finished runs"), outcome[2]);
        assertEquals(1, outcome[2].strip().split("\n").length, outcome[2]);
    }
}
