package org.isgd.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.utils.Utils;
import org.isgd.schemas.PredictionBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.RunState;
import org.isgd.schemas.SampleRegistered;
import org.junit.jupiter.api.Test;

/**
 * The contract's shared test vectors (contract-vectors.json): records with their exact bytes,
 * which the Python client checks too (trainer/python/tests/test_codec.py). Java must write and
 * read exactly these bytes, and hash keys as the vectors say (Java's default partitioner).
 */
class ContractVectorsTest {
    private static final HexFormat HEX = HexFormat.of();

    private static JsonNode vectors() throws IOException {
        try (InputStream in = ContractVectorsTest.class.getResourceAsStream("contract-vectors.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static long[] longs(final JsonNode array) {
        final long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    private static int[] ints(final JsonNode array) {
        final int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static float[] floats(final JsonNode array) {
        final float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    @Test
    void indexBatchesAreWrittenAndReadByteForByte() throws IOException {
        for (final JsonNode v : vectors().get("IndexBatch")) {
            final double[] q = new double[v.get("probabilities").size()];
            for (int i = 0; i < q.length; i++) {
                q[i] = v.get("probabilities").get(i).asDouble();
            }
            final IndexBatchCodec.Batch batch = new IndexBatchCodec.Batch(v.get("runId").asText(),
                    v.get("batchSeq").asLong(), v.get("rank").asInt(), longs(v.get("sampleIds")),
                    floats(v.get("weights")), q, v.get("policy").asText(), v.get("phase").asText(),
                    v.get("createdAt").asLong());
            final byte[] expected = HEX.parseHex(v.get("hex").asText());
            assertArrayEquals(expected, IndexBatchCodec.encode(batch), v.get("runId").asText());
            assertArrayEquals(expected, AvroSerde.of(org.isgd.schemas.IndexBatch.class).encode(batch.toRecord()));
            assertEquals(batch.toRecord(), IndexBatchCodec.decode(expected).toRecord());
        }
    }

    @Test
    void predictionBatchesAreWrittenByteForByte() throws IOException {
        final AvroSerde<PredictionBatch> serde = AvroSerde.of(PredictionBatch.class);
        for (final JsonNode v : vectors().get("PredictionBatch")) {
            final PredictionBatch.Builder b = PredictionBatch.newBuilder().setRunId(v.get("runId").asText())
                    .setRank(v.get("rank").asInt()).setBatchSeq(v.get("batchSeq").asLong())
                    .setStep(v.get("step").asLong()).setTrainLoss((float) v.get("trainLoss").asDouble())
                    .setTrainerId(v.get("trainerId").asText()).setTimestamp(v.get("timestamp").asLong())
                    .setCount(v.get("sampleIds").size()).setSampleIds(Columns.ofLongs(longs(v.get("sampleIds"))))
                    .setLabels(Columns.ofInts(ints(v.get("labels"))))
                    .setPCorrect(Columns.ofFloats(floats(v.get("pCorrect"))))
                    .setLoss(Columns.ofFloats(floats(v.get("loss"))))
                    .setGradNormBound(Columns.ofFloats(floats(v.get("gradNormBound"))))
                    .setPredicted(Columns.ofInts(ints(v.get("predicted"))));
            if (!v.get("positions").isNull()) {
                b.setPositions(Columns.ofInts(ints(v.get("positions"))));
            }
            if (!v.get("trained").isNull()) {
                final boolean[] trained = new boolean[v.get("trained").size()];
                for (int i = 0; i < trained.length; i++) {
                    trained[i] = v.get("trained").get(i).asInt() == 1;
                }
                b.setTrained(Columns.ofFlags(trained));
            }
            final byte[] expected = HEX.parseHex(v.get("hex").asText());
            assertArrayEquals(expected, serde.encode(b.build()), v.get("runId").asText());
            assertEquals(b.build(), serde.decode(expected));
        }
    }

    @Test
    void registrationsAndRunSpecsAreWrittenByteForByte() throws IOException {
        final JsonNode vectors = vectors();
        for (final JsonNode v : vectors.get("SampleRegistered")) {
            final SampleRegistered sample = new SampleRegistered(v.get("sampleId").asLong(), v.get("dataset").asText(),
                    v.get("label").asInt(), v.get("uri").isNull() ? null : v.get("uri").asText(),
                    v.get("registeredAt").asLong());
            assertArrayEquals(HEX.parseHex(v.get("hex").asText()), AvroSerde.of(SampleRegistered.class).encode(sample));
        }
        for (final JsonNode v : vectors.get("RunSpec")) {
            final Map<String, Double> params = new LinkedHashMap<>();
            v.get("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asDouble()));
            final RunSpec spec = RunSpec.newBuilder().setRunId(v.get("runId").asText())
                    .setDataset(v.get("dataset").asText()).setPolicy(v.get("policy").asText()).setParams(params)
                    .setBatchSize(v.get("batchSize").asInt()).setSeed(v.get("seed").asLong())
                    .setBudgetBatches(v.get("budgetBatches").isNull() ? null : v.get("budgetBatches").asLong())
                    .setWorldSize(v.get("worldSize").asInt()).setLead(v.get("lead").asInt())
                    .setMinPopulation(v.get("minPopulation").isNull() ? null : v.get("minPopulation").asLong())
                    .setState(RunState.valueOf(v.get("state").asText())).build();
            final byte[] expected = HEX.parseHex(v.get("hex").asText());
            assertArrayEquals(expected, AvroSerde.of(RunSpec.class).encode(spec), v.get("runId").asText());
            assertEquals(spec, AvroSerde.of(RunSpec.class).decode(expected));
        }
    }

    @Test
    void keysArePartitionedAsJavasDefaultPartitionerDoes() throws IOException {
        for (final JsonNode v : vectors().get("murmur2")) {
            final byte[] key = v.get("key").asText().getBytes(StandardCharsets.UTF_8);
            assertEquals(v.get("murmur2").asInt(), Utils.murmur2(key), v.get("key").asText());
            assertEquals(v.get("partitionOf6").asInt(), Utils.toPositive(Utils.murmur2(key)) % 6);
        }
    }
}
