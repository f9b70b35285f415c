package org.isgd.infra.broker;

import static org.isgd.infra.broker.BrokerStartException.oneLine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds {@code .isgd-broker.lock} in the data directory while the broker runs. Kafka locks
 * its log directories only once the controller has already opened the metadata log, so a
 * second broker on the same directory would write to it before failing: refuse earlier.
 */
final class DataDirLock {
    private static final Logger LOG = LoggerFactory.getLogger(DataDirLock.class);

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DataDirLock acquire(Path dir) {
        String inUse = "Kafka data directory " + dir + " is in use by another broker: stop it or pass another directory.";
        FileChannel ch = null;
        try {
            ch = FileChannel.open(dir.resolve(".isgd-broker.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l == null) {
                throw new BrokerStartException(inUse);
            }
            probeKafkaLock(dir, inUse);
            return new DataDirLock(ch, l);
        } catch (OverlappingFileLockException e) {
            closeQuietly(ch);
            throw new BrokerStartException(inUse, e);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new BrokerStartException("Cannot lock Kafka data directory " + dir + " (" + oneLine(e)
                    + "): pass a writable local directory.", e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** A plain Kafka process (not an EmbeddedBroker) holds {@code .lock}: detect it too. */
    private static void probeKafkaLock(Path dir, String inUse) throws IOException {
        Path kafkaLock = dir.resolve(".lock");
        if (!Files.exists(kafkaLock)) {
            return;
        }
        try (FileChannel ch = FileChannel.open(kafkaLock, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) {
                throw new BrokerStartException(inUse);
            }
            l.release();
        } catch (OverlappingFileLockException e) {
            throw new BrokerStartException(inUse, e);
        }
    }

    void release() {
        try {
            lock.release();
        } catch (IOException e) {
            LOG.debug("Releasing the data directory lock", e);
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
