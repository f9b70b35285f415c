package org.isgd.sampler.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.isgd.sampler.policy.ShardStock;
import org.junit.jupiter.api.Test;

/** The shards' internal messages keep what they carry: a draw's stock and a walk's, with its candidates. */
class ShardMessageTest {
    @Test
    void stockOfADrawAndOfAWalkRoundTrip() {
        final ShardStock.Chunk drawn = new ShardStock.Chunk(4, 99, new long[] {7, 8}, new int[] {1, 2},
                new double[] {0.25, 0.75});
        final ShardStock.Chunk back = ((ShardMessage.Stock) ShardMessage.decode(ShardMessage.encode(
                new ShardMessage.Stock("r", 3, drawn)))).chunk();
        assertArrayEquals(drawn.ids(), back.ids());
        assertArrayEquals(drawn.inShard(), back.inShard());
        assertNull(back.at());
        final ShardStock.Chunk walked = new ShardStock.Chunk(5, 100, new long[] {7, 9, 11}, new int[] {1, 3, 5},
                new double[] {1, 0.5, 0.05}, new int[] {0, 4, 9}, 12);
        final ShardMessage.Stock decoded = (ShardMessage.Stock) ShardMessage.decode(ShardMessage.encode(
                new ShardMessage.Stock("r", 3, walked)));
        assertEquals(3, decoded.shard());
        assertArrayEquals(walked.ids(), decoded.chunk().ids());
        assertArrayEquals(walked.labels(), decoded.chunk().labels());
        assertArrayEquals(walked.inShard(), decoded.chunk().inShard());
        assertArrayEquals(walked.at(), decoded.chunk().at());
        assertEquals(12, decoded.chunk().candidates());
        assertEquals(100, decoded.chunk().drawnAt());
    }

    @Test
    void aTruncatedOrImpossibleWalkIsRefused() {
        final byte[] bytes = ShardMessage.encode(new ShardMessage.Stock("r", 0, new ShardStock.Chunk(1, 0,
                new long[] {7, 9}, new int[2], new double[2], new int[] {0, 1}, 2)));
        assertThrows(SerializationException.class, () -> ShardMessage.decode(Arrays.copyOf(bytes, bytes.length - 6)));
        bytes[bytes.length - 1] = 1; // fewer candidates than it kept
        assertThrows(SerializationException.class, () -> ShardMessage.decode(bytes));
    }
}
