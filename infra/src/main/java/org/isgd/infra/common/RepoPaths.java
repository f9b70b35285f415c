package org.isgd.infra.common;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Paths as benchmark results record them: relative to the repository when they are under it (e.g.
 * {@code docs/results/sampler}, not {@code /home/me/isgd/docs/results/sampler}), so that results
 * committed to it name no machine's directories. Paths elsewhere stay as they are.
 */
public final class RepoPaths {
    /** Overrides where the repository is found: the directory holding {@code infra/isgd}. */
    public static final String ROOT_PROPERTY = "isgd.repo";
    private static final RepoPaths HERE = new RepoPaths(findRoot());

    private final Path root;

    /** @param root the repository's root directory; null when there is none (paths then stay as they are) */
    public RepoPaths(final Path root) {
        this.root = root == null ? null : root.toAbsolutePath().normalize();
    }

    /** The repository this code runs from: {@value #ROOT_PROPERTY}, else the one above its classes, else above the working directory. */
    public static RepoPaths here() {
        return HERE;
    }

    private static Path findRoot() {
        final String property = System.getProperty(ROOT_PROPERTY);
        if (property != null) {
            return Path.of(property);
        }
        try {
            final Path classes = Path.of(RepoPaths.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            final Path found = repositoryAbove(classes);
            return found != null ? found : repositoryAbove(Path.of("").toAbsolutePath());
        } catch (URISyntaxException | RuntimeException e) {
            return repositoryAbove(Path.of("").toAbsolutePath());
        }
    }

    private static Path repositoryAbove(final Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("infra").resolve("isgd")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        return null;
    }

    /** {@code path} relative to the repository when it is under it, else as given. */
    public String relative(final Path path) {
        if (root != null) {
            final Path absolute = path.toAbsolutePath().normalize();
            if (absolute.startsWith(root)) {
                final String relative = root.relativize(absolute).toString();
                return relative.isEmpty() ? "." : relative;
            }
        }
        return path.toString();
    }

    /** A command line as recorded: {@code isgd} and the arguments, absolute paths under the repository made relative. */
    public String command(final List<String> args) {
        return "isgd " + args.stream().map(this::argument).collect(Collectors.joining(" "));
    }

    private String argument(final String arg) {
        final int eq = arg.indexOf('=');
        if (arg.startsWith("-") && eq > 0) { // --out=/path
            return arg.substring(0, eq + 1) + argument(arg.substring(eq + 1));
        }
        return arg.startsWith("/") && root != null && Path.of(arg).normalize().startsWith(root)
                ? relative(Path.of(arg)) : arg;
    }

    /** {@code text} (e.g. an error message) with the repository's absolute path taken off the paths under it. */
    public String text(final String text) {
        return root == null || text == null ? text : text.replace(root + "/", "");
    }
}
