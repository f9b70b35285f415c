package org.isgd.trainer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The four Fashion-MNIST IDX files, each with the MD5 of its official {@code .gz} download, so
 * that the locator, the reader and the downloader agree on names and checksums in one place.
 */
public enum FashionMnistFile {
    TRAIN_IMAGES("train-images-idx3-ubyte", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    TRAIN_LABELS("train-labels-idx1-ubyte", "25c81989df183df01b3e8a0aad5dffbe"),
    TEST_IMAGES("t10k-images-idx3-ubyte", "bef4ecab320f06d8554ea6380940ec79"),
    TEST_LABELS("t10k-labels-idx1-ubyte", "bb300cfdad3c16e7a12a480ee83cd310");

    private final String baseName;
    private final String gzipMd5;

    FashionMnistFile(final String baseName, final String gzipMd5) {
        this.baseName = baseName;
        this.gzipMd5 = gzipMd5;
    }

    /** The uncompressed file name, e.g. {@code train-images-idx3-ubyte}. */
    public String baseName() {
        return baseName;
    }

    /** The name of the official download, e.g. {@code train-images-idx3-ubyte.gz}. */
    public String gzipName() {
        return baseName + ".gz";
    }

    /** Lower-case hex MD5 of the official {@code .gz} file. */
    public String gzipMd5() {
        return gzipMd5;
    }

    /** This file in {@code dir}, compressed or not (the {@code .gz} is preferred), if present. */
    public Optional<Path> find(final Path dir) {
        final Path gz = dir.resolve(gzipName());
        if (Files.isRegularFile(gz)) {
            return Optional.of(gz);
        }
        final Path plain = dir.resolve(baseName);
        return Files.isRegularFile(plain) ? Optional.of(plain) : Optional.empty();
    }

    /** This file in {@code dir}, or an exception naming the directory and the accepted names. */
    public Path require(final Path dir) {
        return find(dir).orElseThrow(() -> new DatasetMissingException("Fashion-MNIST file " + gzipName()
                + " (or " + baseName + ") is missing from " + dir.toAbsolutePath() + ". "
                + DatasetMissingException.HOW_TO_GET));
    }

    /** True when all four files are present in {@code dir}. */
    public static boolean allPresent(final Path dir) {
        for (final FashionMnistFile file : values()) {
            if (file.find(dir).isEmpty()) {
                return false;
            }
        }
        return true;
    }
}
