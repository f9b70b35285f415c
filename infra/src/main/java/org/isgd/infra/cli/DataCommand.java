package org.isgd.infra.cli;

import java.util.concurrent.Callable;
import org.isgd.infra.local.DataSetup;
import picocli.CommandLine.Command;

/** {@code isgd data fetch}: puts Fashion-MNIST where the trainer looks for it. */
@Command(name = "data", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Manage training data.",
        subcommands = DataCommand.Fetch.class)
final class DataCommand {
    @Command(name = "fetch", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Get Fashion-MNIST: the Debian package dataset-fashion-mnist when root can install it, "
                    + "else the official download (MD5-checked) into ~/.isgd/data/fashion-mnist.")
    static final class Fetch implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println("Fashion-MNIST is in " + DataSetup.ensureFashionMnist(true));
            return 0;
        }
    }
}
