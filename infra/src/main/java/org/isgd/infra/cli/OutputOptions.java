package org.isgd.infra.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --out: the directory a benchmark writes its results under; each benchmark's description names its files. */
final class OutputOptions {
    @Option(names = "--out", defaultValue = "${sys:user.home}/.isgd/bench",
            description = "Directory the results go under (the description above names the files).")
    Path out;
}
