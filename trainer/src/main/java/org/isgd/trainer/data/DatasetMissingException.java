package org.isgd.trainer.data;

/** Fashion-MNIST could not be found; the message says where it was looked for and how to get it. */
public final class DatasetMissingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The three ways to get the data, in the order a user on Debian would try them. */
    public static final String HOW_TO_GET = "To get it: `apt-get install -y dataset-fashion-mnist` (Debian, installs "
            + "/usr/share/datasets/fashion-mnist), or set ISGD_DATA (or -Disgd.data) to a directory holding "
            + "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
            + "t10k-labels-idx1-ubyte.gz, or run `infra/isgd data fetch` to download them with checksum check "
            + "into ~/.isgd/data/fashion-mnist.";

    public DatasetMissingException(final String message) {
        super(message);
    }
}
