package org.isgd.infra.cli;

import picocli.CommandLine.Option;

/** --batch-size of a run: samples per batch, drawn by the sampler or the in-process loader alike. */
final class BatchOptions {
    @Option(names = "--batch-size", defaultValue = "128", description = "Samples per batch.")
    int batchSize;
}
