package org.isgd.sampler.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.kafka.common.errors.SerializationException;
import org.isgd.contract.AvroSerde;
import org.isgd.contract.Columns;
import org.isgd.schemas.PredictionBatch;
import org.junit.jupiter.api.Test;

/**
 * Randomized bad input on the batched record: 20,000 mutations of valid prediction batches (bytes
 * flipped, cut off, inserted, column lengths and counts changed) are each either decoded — and then
 * every row's values checked without an exception — or refused with a {@link SerializationException},
 * which the router turns into a dead letter. Anything else thrown here would stop a stream thread.
 */
class PredictionRowsFuzzTest {
    private static final AvroSerde<PredictionBatch> SERDE = AvroSerde.of(PredictionBatch.class);

    private static byte[] valid(final SplittableRandom random, final int n, final boolean candidates) {
        final long[] ids = new long[n];
        final int[] labels = new int[n];
        final float[] p = new float[n];
        final int[] positions = new int[n];
        final boolean[] trained = new boolean[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextLong(1_000_000);
            labels[i] = random.nextInt(10);
            p[i] = (float) random.nextDouble();
            positions[i] = i;
            trained[i] = random.nextBoolean();
        }
        final PredictionBatch.Builder batch = PredictionBatch.newBuilder().setRunId("fuzz").setRank(0)
                .setBatchSeq(random.nextLong(1000)).setStep(1L).setTrainLoss(0.5f).setTrainerId("t").setTimestamp(1L)
                .setCount(n).setSampleIds(Columns.ofLongs(ids)).setLabels(Columns.ofInts(labels))
                .setPCorrect(Columns.ofFloats(p)).setLoss(Columns.ofFloats(p)).setGradNormBound(Columns.ofFloats(p))
                .setPredicted(Columns.ofInts(labels));
        if (candidates) {
            batch.setPositions(Columns.ofInts(positions)).setTrained(Columns.ofFlags(trained));
        }
        return SERDE.encode(batch.build());
    }

    private static byte[] mutate(final byte[] valid, final SplittableRandom random) {
        byte[] out = valid.clone();
        for (int m = 1 + random.nextInt(4); m > 0; m--) {
            switch (random.nextInt(5)) {
                case 0 -> out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8)); // a bit flipped
                case 1 -> out[random.nextInt(out.length)] = (byte) random.nextInt(256); // a byte replaced
                case 2 -> out = Arrays.copyOf(out, random.nextInt(out.length)); // cut off
                case 3 -> { // bytes inserted
                    final int at = random.nextInt(out.length + 1);
                    final byte[] longer = new byte[out.length + 1 + random.nextInt(8)];
                    System.arraycopy(out, 0, longer, 0, at);
                    for (int i = at; i < at + longer.length - out.length; i++) {
                        longer[i] = (byte) random.nextInt(256);
                    }
                    System.arraycopy(out, at, longer, at + longer.length - out.length, out.length - at);
                    out = longer;
                }
                default -> { // a zig-zag varint (a length or a count) made huge or negative
                    out[random.nextInt(out.length)] = (byte) (random.nextBoolean() ? 0xFF : 0x7F);
                }
            }
            if (out.length == 0) {
                break;
            }
        }
        return out;
    }

    @Test
    void everyMutationDecodesOrIsRefusedWithASerializationException() {
        final SplittableRandom random = new SplittableRandom(20261130L);
        int decoded = 0;
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            final byte[] bytes = mutate(valid(random, 1 + random.nextInt(64), random.nextBoolean()), random);
            try {
                final PredictionRows rows = PredictionRows.decode(bytes);
                for (int row = 0; row < rows.count(); row++) {
                    rows.valueProblem(row); // a reason or null, never an exception
                    rows.position(row);
                    rows.trained(row);
                }
                decoded++;
            } catch (SerializationException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "a refusal says why");
                refused++;
            }
        }
        System.out.printf("PredictionRowsFuzzTest: 20,000 mutated batches, %d decoded, %d refused%n", decoded, refused);
        assertEquals(20_000, decoded + refused);
        assertTrue(refused > 5_000 && decoded > 100, "both outcomes exercised: " + decoded + " / " + refused);
    }
}
