package org.isgd.trainer.data;

/**
 * A labelled image set held flat in memory: image {@code i} is
 * {@code pixels[i*rows*cols .. (i+1)*rows*cols)}, values in [0, 1]. The sample id of the wire
 * contract is the index into this set.
 */
public record LabelledImages(float[] pixels, int[] labels, int rows, int cols, int numClasses) {
    public static final int FASHION_MNIST_CLASSES = 10;

    public LabelledImages {
        if (pixels.length != (long) labels.length * rows * cols) {
            throw new IllegalArgumentException("pixels hold " + pixels.length + " values but " + labels.length
                    + " images of " + rows + "x" + cols + " need " + (long) labels.length * rows * cols);
        }
    }

    public int size() {
        return labels.length;
    }

    public int imageSize() {
        return rows * cols;
    }

    public int label(final int i) {
        return labels[i];
    }

    /** Copies image {@code i} into {@code dst} starting at {@code offset}. */
    public void copyImage(final int i, final float[] dst, final int offset) {
        System.arraycopy(pixels, i * imageSize(), dst, offset, imageSize());
    }
}
