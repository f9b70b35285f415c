package org.isgd.trainer.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Finds the directory holding the four Fashion-MNIST IDX files. Candidates, first match wins:
 * {@code $ISGD_DATA} (or system property {@code isgd.data}, which takes precedence so tests and
 * launchers can set it), {@code ~/.isgd/data/fashion-mnist} (where {@link Downloader} writes) and
 * {@code /usr/share/datasets/fashion-mnist} (Debian package {@code dataset-fashion-mnist}).
 */
public final class DatasetLocator {
    public static final String ENV_VAR = "ISGD_DATA";
    public static final String SYSTEM_PROPERTY = "isgd.data";
    public static final Path SYSTEM_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    private final List<Path> candidates;

    /** A locator that searches exactly {@code candidates}, in order. */
    public DatasetLocator(final List<Path> candidates) {
        this.candidates = List.copyOf(candidates);
    }

    /** A locator over the default candidates of this process's environment. */
    public static DatasetLocator fromEnvironment() {
        return new DatasetLocator(defaultCandidates());
    }

    /** The user's download directory, {@code ~/.isgd/data/fashion-mnist}. */
    public static Path userDir() {
        return Path.of(System.getProperty("user.home"), ".isgd", "data", "fashion-mnist");
    }

    static List<Path> defaultCandidates() {
        final List<Path> dirs = new ArrayList<>();
        final String property = System.getProperty(SYSTEM_PROPERTY);
        final String env = System.getenv(ENV_VAR);
        if (property != null && !property.isBlank()) {
            dirs.add(Path.of(property));
        } else if (env != null && !env.isBlank()) {
            dirs.add(Path.of(env));
        }
        dirs.add(userDir());
        dirs.add(SYSTEM_DIR);
        return dirs;
    }

    public List<Path> candidates() {
        return candidates;
    }

    /** The first candidate holding all four files, if any. */
    public Optional<Path> find() {
        return candidates.stream().filter(FashionMnistFile::allPresent).findFirst();
    }

    /**
     * The first candidate holding all four files.
     *
     * @throws DatasetMissingException naming every directory searched and how to get the data
     */
    public Path locate() {
        return find().orElseThrow(() -> new DatasetMissingException("Fashion-MNIST not found; looked in "
                + candidates.stream().map(p -> p.toAbsolutePath().toString()).collect(Collectors.joining(", "))
                + ". " + DatasetMissingException.HOW_TO_GET));
    }
}
