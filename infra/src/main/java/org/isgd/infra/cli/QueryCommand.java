package org.isgd.infra.cli;

import picocli.CommandLine.Command;

/**
 * {@code isgd query}: the client of a sampler's HTTP query API. Any instance answers for every
 * run (it forwards to the run's owner), so one {@code --api} address is enough.
 */
@Command(name = "query", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Ask a running sampler (its HTTP query API): runs and their statistics, a sample's state and "
                + "history, the hardest samples, suspected mislabels, health.",
        subcommands = {QueryRunsCommand.class, QueryRunCommand.class, QuerySampleCommand.class,
                QueryHistoryCommand.class, QueryHardestCommand.class, QuerySuspectsCommand.class,
                QueryHealthCommand.class})
final class QueryCommand {
    private QueryCommand() {
    }
}
