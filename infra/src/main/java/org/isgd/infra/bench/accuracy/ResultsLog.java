package org.isgd.infra.bench.accuracy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.isgd.infra.common.Json;

/**
 * results.jsonl: one {@link CellResult} per line, appended as each cell finishes, so that a
 * restarted grid skips what is done. A last line cut short by a kill is ignored (that cell runs
 * again); a bad line anywhere else is an error naming the file and line.
 */
public final class ResultsLog {
    public static final String FILE = "results.jsonl";

    private final Path file;

    public ResultsLog(final Path file) {
        this.file = file;
    }

    public static ResultsLog in(final Path runDir) {
        return new ResultsLog(runDir.resolve(FILE));
    }

    public Path file() {
        return file;
    }

    /** Appends one finished cell as one line, in one write. */
    public void append(final CellResult result) {
        try {
            final String line = Json.MAPPER.writeValueAsString(result) + "\n";
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    /** Every finished cell, in the order finished; when a cell appears twice, the later line wins. */
    public List<CellResult> read() {
        if (!Files.exists(file)) {
            return List.of();
        }
        final List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        final Map<String, CellResult> byCell = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            try {
                final CellResult result = Json.MAPPER.readValue(line, CellResult.class);
                byCell.remove(result.cell().key());
                byCell.put(result.cell().key(), result);
            } catch (IOException e) {
                if (i == lines.size() - 1) {
                    continue; // cut short by a kill mid-write: that cell runs again
                }
                throw new IllegalStateException(file + " line " + (i + 1) + " is not a result (" + e.getMessage()
                        + "); remove or fix that line to resume", e);
            }
        }
        return new ArrayList<>(byCell.values());
    }

    /** The keys ({@link GridCell#key()}) of the finished cells. */
    public Set<String> doneKeys() {
        return read().stream().map(r -> r.cell().key()).collect(Collectors.toSet());
    }
}
