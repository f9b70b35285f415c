package org.isgd.infra.bench.accuracy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import org.isgd.infra.common.Json;
import org.isgd.trainer.data.DataVariant;

/**
 * Everything that decides what one cell of the grid trains, apart from the cell's own axes (arm,
 * data, budget, seed). The run directory is named after it, so the same settings always find the
 * same directory: rerunning a command resumes it, and slices of the grid run with the same settings
 * (other policies, seeds, data or budgets) add to the same results.
 *
 * @param epochs the full schedule (100% budget), in epochs of the variant's training set
 * @param limit training samples read before the variant is made; 0 = all
 * @param warmupFraction early-importance's warmupEpochs, as a fraction of each run's budget, unless set by a param
 * @param data the data variants' shape (imbalance ratio and profile, noise rate and kind); null for the default
 *     shape, which grid.json then leaves out, so directories made before shapes existed keep their names
 */
public record GridSettings(int epochs, int batchSize, String model, double learningRate, String augment,
                           String strongAugment, long dataSeed, int limit, double warmupFraction, int evalsPerEpoch,
                           Map<String, Double> params, @JsonInclude(JsonInclude.Include.NON_NULL) DataVariant.Shape data) {
    public static final String FILE = "grid.json";

    public GridSettings {
        params = new TreeMap<>(params);
        if (DataVariant.Shape.DEFAULT.equals(data)) {
            data = null;
        }
    }

    /** Settings with the default data shape. */
    public GridSettings(final int epochs, final int batchSize, final String model, final double learningRate,
                        final String augment, final String strongAugment, final long dataSeed, final int limit,
                        final double warmupFraction, final int evalsPerEpoch, final Map<String, Double> params) {
        this(epochs, batchSize, model, learningRate, augment, strongAugment, dataSeed, limit, warmupFraction,
                evalsPerEpoch, params, null);
    }

    /** As a record prints itself, without {@code data} when it is the default shape. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "GridSettings[epochs=%d, batchSize=%d, model=%s, learningRate=%s, augment=%s, "
                        + "strongAugment=%s, dataSeed=%d, limit=%d, warmupFraction=%s, evalsPerEpoch=%d, params=%s%s]",
                epochs, batchSize, model, learningRate, augment, strongAugment, dataSeed, limit, warmupFraction,
                evalsPerEpoch, params, data == null ? "" : ", data=" + data);
    }

    /** The data variants' shape these settings train on. */
    public DataVariant.Shape shape() {
        return data == null ? DataVariant.Shape.DEFAULT : data;
    }

    /** e.g. "accuracy-e3-b128-1a2b3c4d". */
    public String directoryName() {
        try {
            final CRC32 crc = new CRC32();
            crc.update(Json.MAPPER.writeValueAsString(this).getBytes(StandardCharsets.UTF_8));
            return String.format(Locale.ROOT, "accuracy-e%d-b%d-%08x", epochs, batchSize, crc.getValue());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What grid.json holds: the settings, when the directory was first used, and each command run in it. */
    public record Record(GridSettings settings, String machine, String created, List<Invocation> invocations) {
    }

    /** One command run in the directory. */
    public record Invocation(String command, String started) {
    }

    /** Records an invocation in {@code runDir/grid.json}, creating it on first use. */
    public static Record recordInvocation(final Path runDir, final GridSettings settings, final String machine,
                                          final String command, final String now) {
        final Path file = runDir.resolve(FILE);
        try {
            Files.createDirectories(runDir);
            final Record before = Files.exists(file) ? Json.MAPPER.readValue(file.toFile(), Record.class)
                    : new Record(settings, machine, now, List.of());
            final List<Invocation> invocations = new ArrayList<>(before.invocations());
            invocations.add(new Invocation(command, now));
            final Record after = new Record(settings, machine, before.created(), invocations);
            Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), after);
            return after;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update " + file, e);
        }
    }

    /** grid.json of a run directory, or null if it has none. */
    public static Record read(final Path runDir) {
        final Path file = runDir.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return Json.MAPPER.readValue(file.toFile(), Record.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
