package org.isgd.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.isgd.schemas.IrreducibleLosses;
import org.junit.jupiter.api.Test;

class IrreducibleLossRowsTest {
    private static final byte[] KEY = "d".getBytes(StandardCharsets.UTF_8);

    private static byte[] encode(final int count, final ByteBuffer ids, final ByteBuffer losses, final String dataset) {
        return Topics.IRREDUCIBLE_LOSSES.valueSerde().serializer().serialize(Topics.IRREDUCIBLE_LOSSES.name(),
                IrreducibleLosses.newBuilder().setDataset(dataset).setModel("m").setCreatedAt(1L).setCount(count)
                        .setSampleIds(ids).setLosses(losses).build());
    }

    private static String refusal(final byte[] key, final byte[] value) {
        return assertThrows(RuntimeException.class, () -> IrreducibleLossRows.decode(key, value)).getMessage();
    }

    @Test
    void decodesTheColumns() {
        final IrreducibleLossRows rows = IrreducibleLossRows.decode(KEY, encode(2, Columns.ofLongs(new long[] {7, 9}),
                Columns.ofFloats(new float[] {0.5f, 0f}), "d"));
        assertEquals("d", rows.dataset());
        assertArrayEquals(new long[] {7, 9}, rows.sampleIds());
        assertArrayEquals(new float[] {0.5f, 0f}, rows.losses());
    }

    @Test
    void refusesWhatIsNotASetOfLosses() {
        final ByteBuffer ids = Columns.ofLongs(new long[] {7, 9});
        assertTrue(refusal(KEY, new byte[] {1, 2, 3}).contains("Avro"));
        assertTrue(refusal(KEY, encode(3, ids, Columns.ofFloats(new float[] {1, 2}), "d")).contains("sampleIds"));
        assertTrue(refusal(KEY, encode(0, Columns.ofLongs(new long[0]), Columns.ofFloats(new float[0]), "d"))
                .contains("count 0"));
        assertTrue(refusal(KEY, encode(2, ids, Columns.ofFloats(new float[] {1, -1}), "d")).contains("losses[1] = -1.0"));
        assertTrue(refusal(KEY, encode(2, ids, Columns.ofFloats(new float[] {Float.NaN, 1}), "d")).contains("NaN"));
        assertTrue(refusal("e".getBytes(StandardCharsets.UTF_8), encode(2, ids, Columns.ofFloats(new float[] {1, 1}),
                "d")).contains("key 'e'"));
        assertTrue(refusal(null, encode(2, ids, Columns.ofFloats(new float[] {1, 1}), "d")).contains("key 'null'"));
    }
}
