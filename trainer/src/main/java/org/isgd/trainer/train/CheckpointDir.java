package org.isgd.trainer.train;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Properties;
import org.isgd.trainer.data.LabelledImages;

/**
 * A directory holding one trainer's latest checkpoint: {@code model-<step>.params} (DJL's parameter
 * format) and {@code checkpoint.properties} naming it, with the step and last trained batchSeq.
 *
 * <p>Each file is written to a {@code .tmp} sibling, synced, then renamed into place, parameters
 * first and the properties last (atomically): a process killed at any point leaves either the
 * previous checkpoint or the new one, never a mix, and left-over {@code .tmp} files are ignored.
 */
public final class CheckpointDir {
    static final String PROPERTIES = "checkpoint.properties";
    private static final String TMP = ".tmp";
    private static final String PARAMS_PREFIX = "model-";
    private static final String PARAMS_SUFFIX = ".params";

    private final Path dir;

    public CheckpointDir(final Path dir) {
        this.dir = dir;
    }

    public Path path() {
        return dir;
    }

    /** The latest complete checkpoint's record, without loading its parameters; empty if there is none. */
    public Optional<Checkpoint> latest() {
        final Path file = dir.resolve(PROPERTIES);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        final Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(in);
            return Optional.of(new Checkpoint(Long.parseLong(props.getProperty("step")),
                    Long.parseLong(props.getProperty("lastBatchSeq")), props.getProperty("model")));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read checkpoint " + file + " (" + e.getMessage()
                    + "); delete the directory " + dir + " or start with --fresh", e);
        }
    }

    /**
     * Opens a session on the latest checkpoint's parameters; empty if there is none.
     *
     * @throws IllegalStateException when the checkpoint is of another model or cannot be read
     */
    public Optional<Restored> restore(final TrainerOptions options, final LabelledImages train) {
        final Optional<Checkpoint> latest = latest();
        if (latest.isEmpty()) {
            return Optional.empty();
        }
        final Checkpoint checkpoint = latest.get();
        if (!options.model().equals(checkpoint.model())) {
            throw new IllegalStateException("checkpoint in " + dir + " is of model '" + checkpoint.model()
                    + "', not '" + options.model() + "'; pass the same --model, another checkpoint directory, or --fresh");
        }
        return Optional.of(new Restored(checkpoint, ModelSession.open(options, train, paramsFile(checkpoint.step()))));
    }

    /** A session opened on a checkpoint's parameters; the caller closes the session. */
    public record Restored(Checkpoint checkpoint, ModelSession session) {
    }

    /** Saves {@code session}'s parameters as the checkpoint of {@code step}, replacing the previous one. */
    public void save(final ModelSession session, final Checkpoint checkpoint) {
        try {
            Files.createDirectories(dir);
            final Path params = paramsFile(checkpoint.step());
            writeAtomically(params, out -> {
                final DataOutputStream data = new DataOutputStream(out);
                session.saveParameters(data);
                data.flush();
            });
            final Properties props = new Properties();
            props.setProperty("step", Long.toString(checkpoint.step()));
            props.setProperty("lastBatchSeq", Long.toString(checkpoint.lastBatchSeq()));
            props.setProperty("model", checkpoint.model());
            props.setProperty("params", params.getFileName().toString());
            writeAtomically(dir.resolve(PROPERTIES), out -> {
                final Writer writer = new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8);
                props.store(writer, "isgd trainer checkpoint");
                writer.flush();
            });
            deleteAllBut(params);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save a checkpoint in " + dir + ": " + e.getMessage()
                    + "; check the directory is writable and the disk not full", e);
        }
    }

    /** Deletes the checkpoint (and left-over temporary files), so the next start begins from scratch. */
    public void clear() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.deleteIfExists(dir.resolve(PROPERTIES));
            deleteAllBut(null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the checkpoint in " + dir + ": " + e.getMessage(), e);
        }
    }

    private Path paramsFile(final long step) {
        return dir.resolve(PARAMS_PREFIX + step + PARAMS_SUFFIX);
    }

    private interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private static void writeAtomically(final Path target, final Content content) throws IOException {
        final Path tmp = target.resolveSibling(target.getFileName() + TMP);
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel))) {
            content.writeTo(out);
            out.flush();
            channel.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Removes older parameter files and left-over temporary files once a new checkpoint is in place. */
    private void deleteAllBut(final Path keep) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (final Path file : files) {
                final String name = file.getFileName().toString();
                if ((name.startsWith(PARAMS_PREFIX) || name.endsWith(TMP)) && !file.equals(keep)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }
}
