package org.isgd.trainer;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** The checked-in Fashion-MNIST slice: the first 512 train and 256 test samples (scripts/make-fashion-mnist-slice.py). */
public final class TestData {
    public static final int SLICE_TRAIN = 512;
    public static final int SLICE_TEST = 256;

    private TestData() {
    }

    public static Path sliceDir() {
        final URL url = TestData.class.getResource("/fashion-mnist-slice");
        if (url == null) {
            throw new IllegalStateException("test resource fashion-mnist-slice is missing; run trainer/scripts/make-fashion-mnist-slice.py");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
