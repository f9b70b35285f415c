package org.isgd.infra.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Work directories of the benchmarks and the local stack. */
public final class Dirs {
    private Dirs() {
    }

    /** Deletes a directory and everything below it; nothing if it does not exist. */
    public static void deleteTree(final Path root) throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> paths = Files.walk(root)) {
                for (final Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
