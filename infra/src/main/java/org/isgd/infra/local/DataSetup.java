package org.isgd.infra.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.isgd.infra.common.UsageException;
import org.isgd.trainer.data.DatasetLocator;
import org.isgd.trainer.data.DatasetMissingException;
import org.isgd.trainer.data.Downloader;

/**
 * Gets Fashion-MNIST onto the machine: the Debian package where it can be installed, else the
 * official download with checksum check, else a message saying how.
 */
public final class DataSetup {
    static final String DEBIAN_PACKAGE = "dataset-fashion-mnist";

    private DataSetup() {
    }

    public static Path ensureFashionMnist(final boolean mayInstall) {
        final Optional<Path> found = DatasetLocator.fromEnvironment().find();
        if (found.isPresent() || !mayInstall) {
            return found.orElseGet(() -> DatasetLocator.fromEnvironment().locate());
        }
        if (tryAptInstall()) {
            final Optional<Path> installed = DatasetLocator.fromEnvironment().find();
            if (installed.isPresent()) {
                return installed.get();
            }
        }
        System.out.println("data: downloading Fashion-MNIST from " + Downloader.OFFICIAL_SOURCE + " (checksums checked)");
        try {
            return new Downloader().downloadToUserDir();
        } catch (IOException e) {
            throw new DatasetMissingException("Fashion-MNIST is not on this machine, the Debian package could not be "
                    + "installed and the download failed (" + e.getMessage() + "). " + DatasetMissingException.HOW_TO_GET);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UsageException("interrupted while downloading Fashion-MNIST");
        }
    }

    /** apt-get as root only, and only where apt-get exists: never a sudo prompt. */
    private static boolean tryAptInstall() {
        if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            return false;
        }
        System.out.println("data: installing the Debian package " + DEBIAN_PACKAGE + " ...");
        return run("apt-get", "install", "-y", "-qq", DEBIAN_PACKAGE)
                || run("apt-get", "update", "-qq") && run("apt-get", "install", "-y", "-qq", DEBIAN_PACKAGE);
    }

    private static boolean run(final String... command) {
        try {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(10, TimeUnit.MINUTES) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
