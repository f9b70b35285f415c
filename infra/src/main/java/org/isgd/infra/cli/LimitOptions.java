package org.isgd.infra.cli;

import picocli.CommandLine.Option;

/** --limit: train (and with a local stack register) only the first N training samples. */
final class LimitOptions {
    @Option(names = "--limit", description = "Use only the first N training samples. Default: all.")
    Integer limit;

    /** The limit, or {@link Integer#MAX_VALUE} for all. */
    int samples() {
        return limit == null ? Integer.MAX_VALUE : limit;
    }
}
