package org.isgd.infra.cli;

import java.io.PrintWriter;
import org.isgd.infra.broker.KafkaLogging;
import org.isgd.infra.common.Errors;
import org.isgd.infra.common.UsageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code isgd} command line. */
@Command(name = "isgd", mixinStandardHelpOptions = true, versionProvider = Isgd.Version.class,
        description = "Importance-sampled SGD as a streaming service: a Kafka Streams sampler that feeds trainers "
                + "weighted index batches.",
        subcommands = {DemoCommand.class, BenchCommand.class, BrokerCommand.class, TopicsCommand.class, RegisterCommand.class,
                IrreducibleCommand.class, RunCommand.class, SamplerCommand.class, TrainCommand.class, DataCommand.class, QueryCommand.class, ReportCommand.class, CommandLine.HelpCommand.class})
public final class Isgd {
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_USAGE = 2;
    private static final java.util.Set<String> LOGS_TO_FILE = java.util.Set.of("demo", "bench");
    private static final java.util.Set<String> SERVICES = java.util.Set.of("broker", "sampler", "demo", "bench");
    private static final String LOG_FILE_PROPERTY = "org.slf4j.simpleLogger.logFile";

    private Isgd() {
    }

    public static void main(final String[] args) {
        Offline.enforce();
        if (args.length > 0 && LOGS_TO_FILE.contains(args[0]) && System.getProperty(LOG_FILE_PROPERTY) == null) {
            // the demo's and benchmarks' console is for progress bars and results; their logs go to a file
            final java.io.File log = logFile(args[0]).toFile();
            log.getParentFile().mkdirs();
            System.setProperty(LOG_FILE_PROPERTY, log.toString());
        }
        if (args.length > 0 && !SERVICES.contains(args[0])) {
            // one-shot commands report a failure in one line of their own, not in client retry warnings
            System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        }
        KafkaLogging.quiet();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests run commands through it without exiting the JVM. */
    public static CommandLine commandLine() {
        final CommandLine cli = new CommandLine(Isgd.class);
        policyFooter(cli.getSubcommands().get("run").getSubcommands().get("create"));
        policyFooter(cli.getSubcommands().get("demo"));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setUsageHelpWidth(120);
        cli.setParameterExceptionHandler((ex, args) -> {
            final CommandLine cmd = ex.getCommandLine();
            final PrintWriter err = cmd.getErr();
            err.println("isgd: " + ex.getMessage());
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            final PrintWriter err = cmd.getErr();
            if (ex instanceof UsageException) {
                err.println("isgd: " + ex.getMessage());
            } else {
                err.println("isgd: " + cmd.getCommandName() + " failed: " + Errors.describe(ex));
                if (Boolean.getBoolean("isgd.debug")) {
                    ex.printStackTrace(err);
                } else {
                    err.println("(run with JAVA_OPTS=-Disgd.debug=true for the stack trace)");
                }
            }
            return EXIT_ERROR;
        });
        return cli;
    }

    /** Where a command that logs to a file (demo, bench) writes its log. */
    static java.nio.file.Path logFile(final String command) {
        return java.nio.file.Path.of(System.getProperty("user.home"), ".isgd", "logs", command + ".log");
    }

    /** The policies' parameters with their defaults, from the registry, under a command's options. */
    private static void policyFooter(final CommandLine command) {
        final java.util.List<String> lines = new java.util.ArrayList<>(java.util.List.of("", "Policies and their "
                + "parameters (--param KEY=VALUE), with defaults; formulas in README.md:"));
        for (final String policy : org.isgd.sampler.policy.Policies.names()) {
            lines.add("  " + policy + ":");
            final java.util.List<String> params = org.isgd.sampler.policy.Policies.help(policy);
            params.forEach(line -> lines.add("      " + line));
            if (params.isEmpty()) {
                lines.add("      (no parameters)");
            }
        }
        command.getCommandSpec().usageMessage().footer(lines.toArray(String[]::new));
    }

    /** Version from the jar manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            final String v = Isgd.class.getPackage().getImplementationVersion();
            return new String[] {"isgd " + (v == null ? "dev" : v)};
        }
    }
}
