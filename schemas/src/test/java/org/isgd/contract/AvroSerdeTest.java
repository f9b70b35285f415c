package org.isgd.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.isgd.schemas.DeadLetter;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.RunState;
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.SampleRegistered;
import org.isgd.schemas.TrainerProgress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AvroSerdeTest {

    static Stream<SpecificRecordBase> oneOfEach() {
        return Stream.of(
                new SampleRegistered(7L, "fashion-mnist", 3, "fashion-mnist:train/7", 1_700_000_000_000L),
                RunSpec.newBuilder().setRunId("r1").setDataset("fashion-mnist").setPolicy("uniform")
                        .setParams(Map.of("epsilon", 0.1)).setBatchSize(128).setSeed(42L)
                        .setBudgetBatches(500L).setWorldSize(2).setLead(8).setState(RunState.PAUSED).build(),
                new SamplePrediction("r1", 7L, 3L, 4L, 3, 0.25f, 1.386f, 0.9f, 5, "t0", 17, 1L),
                new TrainerProgress("r1", 1, 3L, 4L, 0.7f, 2L),
                new IndexBatch("r1", 3L, 1, List.of(1L, 2L), List.of(1f, 0.5f), List.of(0.1, 0.2),
                        "uniform", "uniform", 3L),
                new DeadLetter("isgd.predictions", 2, 99L, ByteBuffer.wrap(new byte[] {1}),
                        ByteBuffer.wrap(new byte[] {2, 3}), "bad marker", 4L));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @ParameterizedTest
    @MethodSource("oneOfEach")
    void everySchemaRoundTripsWithTheSingleObjectHeader(final SpecificRecordBase record) {
        final AvroSerde serde = AvroSerde.of(record.getClass());
        final byte[] bytes = serde.encode(record);

        assertEquals((byte) 0xC3, bytes[0]);
        assertEquals((byte) 0x01, bytes[1]);
        final long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(SchemaNormalization.parsingFingerprint64(record.getSchema()), fingerprint);
        assertEquals(record, serde.decode(bytes));
    }

    @Test
    void topicsCarryTheirSerdes() {
        final byte[] bytes = Topics.PREDICTIONS.valueSerde().serializer()
                .serialize(Topics.PREDICTIONS.name(), new SamplePrediction("r", 1L, 0L, 0L, 2, 0.5f, 0.69f, 0.7f, 2, "t", -1, 0L));
        assertEquals("r", Topics.PREDICTIONS.valueSerde().deserializer().deserialize("x", bytes).getRunId());
        assertNull(Topics.PREDICTIONS.valueSerde().deserializer().deserialize("x", null));
        assertEquals(8, Topics.ALL.size());
        assertTrue(Topics.ALL.stream().allMatch(t -> t.name().startsWith("isgd.")));
    }

    /** A RunSpec as an earlier writer knew it: no worldSize, lead or state yet. */
    private static final Schema RUN_SPEC_V0 = new Schema.Parser().parse("""
            {"type": "record", "name": "RunSpec", "namespace": "org.isgd.schemas", "fields": [
              {"name": "runId", "type": "string"},
              {"name": "dataset", "type": "string"},
              {"name": "policy", "type": "string"},
              {"name": "params", "type": {"type": "map", "values": "double"}, "default": {}},
              {"name": "batchSize", "type": "int"},
              {"name": "seed", "type": "long", "default": 0},
              {"name": "budgetBatches", "type": ["null", "long"], "default": null}
            ]}""");

    @Test
    void aRecordWrittenWithAnOlderSchemaIsReadByTheNewerOne() throws IOException {
        final GenericRecord old = new GenericData.Record(RUN_SPEC_V0);
        old.put("runId", "old-run");
        old.put("dataset", "fashion-mnist");
        old.put("policy", "uniform");
        old.put("params", Map.of());
        old.put("batchSize", 64);
        old.put("seed", 5L);
        old.put("budgetBatches", null);
        final byte[] bytes = singleObject(RUN_SPEC_V0, old);

        assertThrows(SerializationException.class, () -> AvroSerde.of(RunSpec.class).decode(bytes),
                "a reader that does not know the old schema must refuse it, not guess");

        final RunSpec read = AvroSerde.withWriterSchemas(RunSpec.class, List.of(RUN_SPEC_V0)).decode(bytes);
        assertEquals("old-run", read.getRunId());
        assertEquals(64, read.getBatchSize());
        assertEquals(1, read.getWorldSize(), "fields the old writer lacked take their defaults");
        assertEquals(8, read.getLead());
        assertEquals(RunState.ACTIVE, read.getState());
    }

    @Test
    void theShippedHistoryLetsTheDefaultSerdeReadEveryEarlierRunSpec() throws IOException {
        final List<Schema> history = AvroSerde.history("RunSpec");
        assertEquals(1, history.size(), "RunSpec.v1: before minPopulation");
        final GenericRecord v1 = new GenericData.Record(history.get(0));
        v1.put("runId", "r-v1");
        v1.put("dataset", "fashion-mnist");
        v1.put("policy", "uniform");
        v1.put("params", Map.of());
        v1.put("batchSize", 32);
        v1.put("seed", 1L);
        v1.put("budgetBatches", 10L);
        v1.put("worldSize", 2);
        v1.put("lead", 4);
        v1.put("state", new GenericData.EnumSymbol(history.get(0).getField("state").schema(), "PAUSED"));
        final RunSpec read = AvroSerde.of(RunSpec.class).decode(singleObject(history.get(0), v1));
        assertEquals("r-v1", read.getRunId());
        assertEquals(2, read.getWorldSize());
        assertEquals(RunState.PAUSED, read.getState());
        assertNull(read.getMinPopulation());
    }

    @Test
    void badInputIsRefusedWithAReasonThatSaysWhatWasWrong() {
        final AvroSerde<SamplePrediction> serde = AvroSerde.of(SamplePrediction.class);
        final byte[] good = serde.encode(new SamplePrediction("r", 1L, 0L, 0L, 2, 0.5f, 0.69f, 0.7f, 2, "t", -1, 0L));

        final byte[] wrongMarker = good.clone();
        wrongMarker[0] = 0x00;
        assertTrue(message(serde, wrongMarker).contains("marker"), message(serde, wrongMarker));

        final byte[] unknownFingerprint = good.clone();
        unknownFingerprint[5] ^= 0x5A;
        assertTrue(message(serde, unknownFingerprint).contains("unknown schema fingerprint"));

        final byte[] truncated = Arrays.copyOf(good, good.length - 6);
        assertTrue(message(serde, truncated).contains("truncated"), message(serde, truncated));

        assertTrue(message(serde, new byte[] {1, 2, 3}).length() > 0);
        assertTrue(message(serde, null).contains("null"));
    }

    @Test
    void encodingIsReadableByAGenericReaderAfterTheHeader() throws IOException {
        final SampleRegistered sample = new SampleRegistered(9L, "d", 1, null, 5L);
        final byte[] bytes = AvroSerde.of(SampleRegistered.class).encode(sample);
        final org.apache.avro.generic.GenericDatumReader<GenericRecord> reader =
                new org.apache.avro.generic.GenericDatumReader<>(SampleRegistered.getClassSchema());
        final GenericRecord generic = reader.read(null, org.apache.avro.io.DecoderFactory.get()
                .binaryDecoder(bytes, 10, bytes.length - 10, null));
        assertEquals(9L, generic.get("sampleId"));
        assertArrayEquals(new byte[] {(byte) 0xC3, 0x01}, Arrays.copyOf(bytes, 2));
    }

    private static String message(final AvroSerde<?> serde, final byte[] bytes) {
        return assertThrows(SerializationException.class, () -> serde.decode(bytes)).getMessage();
    }

    private static byte[] singleObject(final Schema schema, final GenericRecord record) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0xC3, 0x01});
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(SchemaNormalization.parsingFingerprint64(schema)).array());
        final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
