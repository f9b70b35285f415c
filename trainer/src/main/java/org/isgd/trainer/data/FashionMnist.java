package org.isgd.trainer.data;

import java.nio.file.Path;

/** Loads Fashion-MNIST's train and test sets from a directory of IDX files. */
public final class FashionMnist {
    /** Images in the training split. */
    public static final int TRAIN_SIZE = 60_000;
    private FashionMnist() {
    }

    /** Train (sample id = index) and test sets. */
    public record Split(LabelledImages train, LabelledImages test) {
    }

    /** Loads everything: 60k train and 10k test images. */
    public static Split load(final Path dir) {
        return load(dir, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /** Loads at most {@code trainLimit} train and {@code testLimit} test images (the first ones). */
    public static Split load(final Path dir, final int trainLimit, final int testLimit) {
        return new Split(
                load(FashionMnistFile.TRAIN_IMAGES.require(dir), FashionMnistFile.TRAIN_LABELS.require(dir), trainLimit),
                load(FashionMnistFile.TEST_IMAGES.require(dir), FashionMnistFile.TEST_LABELS.require(dir), testLimit));
    }

    static LabelledImages load(final Path imagesFile, final Path labelsFile, final int limit) {
        final IdxReader.Images images = IdxReader.readImages(imagesFile, limit);
        final int[] labels = IdxReader.readLabels(labelsFile, limit, LabelledImages.FASHION_MNIST_CLASSES);
        if (labels.length != images.count()) {
            throw new IllegalArgumentException(imagesFile + " holds " + images.count() + " images but " + labelsFile
                    + " holds " + labels.length + " labels; the two files do not belong together");
        }
        return new LabelledImages(images.pixels(), labels, images.rows(), images.cols(),
                LabelledImages.FASHION_MNIST_CLASSES);
    }
}
