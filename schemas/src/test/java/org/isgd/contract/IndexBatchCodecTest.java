package org.isgd.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.apache.kafka.common.errors.SerializationException;
import org.isgd.schemas.IndexBatch;
import org.junit.jupiter.api.Test;

class IndexBatchCodecTest {
    private static final AvroSerde<IndexBatch> AVRO = AvroSerde.of(IndexBatch.class);

    private static IndexBatchCodec.Batch random(final SplittableRandom random, final int n) {
        final long[] ids = new long[n];
        final float[] w = new float[n];
        final double[] q = new double[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(4) == 0 ? random.nextLong() : random.nextLong(1_000_000);
            w[i] = (float) random.nextDouble(0, 10);
            q[i] = random.nextDouble();
        }
        return new IndexBatchCodec.Batch("run-é-" + n, random.nextLong(Long.MAX_VALUE), random.nextInt(64), ids, w, q,
                "upper-bound", "importance", random.nextLong());
    }

    @Test
    void encodesByteForByteWhatAvroWritesAndReadsItBack() {
        final SplittableRandom random = new SplittableRandom(5);
        for (final int n : new int[] {0, 1, 2, 63, 64, 128, 1000}) {
            final IndexBatchCodec.Batch batch = random(random, n);
            final byte[] avro = AVRO.encode(batch.toRecord());
            assertArrayEquals(avro, IndexBatchCodec.encode(batch), n + " samples");
            final IndexBatchCodec.Batch back = IndexBatchCodec.decode(avro);
            assertEquals(batch.toRecord(), back.toRecord());
        }
    }

    @Test
    void readsArraysWrittenInSeveralBlocks() throws Exception {
        // a writer may split an array into blocks, with a byte size after a negative count
        final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        final org.apache.avro.io.BinaryEncoder e = org.apache.avro.io.EncoderFactory.get().binaryEncoder(body, null);
        e.writeString("r");
        e.writeLong(4);
        e.writeInt(0);
        e.writeLong(-2); // two longs, 2 bytes
        e.writeLong(2);
        e.writeLong(7);
        e.writeLong(-8);
        e.writeLong(1);
        e.writeLong(9);
        e.writeLong(0);
        e.writeArrayStart();
        e.setItemCount(3);
        for (final float w : new float[] {1f, 2f, 3f}) {
            e.startItem();
            e.writeFloat(w);
        }
        e.writeArrayEnd();
        e.writeArrayStart();
        e.setItemCount(3);
        for (final double q : new double[] {0.1, 0.2, 0.3}) {
            e.startItem();
            e.writeDouble(q);
        }
        e.writeArrayEnd();
        e.writeString("uniform");
        e.writeString("uniform");
        e.writeLong(11);
        e.flush();
        final byte[] header = java.util.Arrays.copyOf(AVRO.encode(random(new SplittableRandom(1), 0).toRecord()), 10);
        final byte[] record = new byte[10 + body.size()];
        System.arraycopy(header, 0, record, 0, 10);
        System.arraycopy(body.toByteArray(), 0, record, 10, body.size());
        final IndexBatchCodec.Batch batch = IndexBatchCodec.decode(record);
        assertArrayEquals(new long[] {7, -8, 9}, batch.sampleIds());
        assertEquals(List.of(7L, -8L, 9L), AVRO.decode(record).getSampleIds(), "and Avro agrees");
    }

    @Test
    void refusesWhatIsNotAnIndexBatch() {
        final byte[] good = IndexBatchCodec.encode(random(new SplittableRandom(2), 10));
        final SerializationException truncated = assertThrows(SerializationException.class,
                () -> IndexBatchCodec.decode(java.util.Arrays.copyOf(good, good.length - 5)));
        assertTrue(truncated.getMessage().contains("IndexBatch"), truncated.getMessage());
        assertThrows(SerializationException.class, () -> IndexBatchCodec.decode(new byte[] {1, 2, 3}));
    }
}
