package org.isgd.infra.bench.jmh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.isgd.contract.AvroSerde;
import org.isgd.contract.Columns;
import org.isgd.schemas.PredictionBatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * How a PredictionBatch's per-sample columns are best put on the wire: packed little-endian
 * {@code bytes} fields (the contract) against Avro arrays of the same values. Each benchmark
 * encodes or decodes one whole record, header fields included, into or out of primitive arrays,
 * which is what the sampler and the trainers work with; divide by {@code rows} for the cost per
 * sample. The Python side of the same comparison is {@code trainer/python/benchmarks/columns.py}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ColumnEncodingBenchmark {
    /** The same record with Avro arrays instead of packed columns (not part of the contract). */
    static final Schema ARRAYS = new Schema.Parser().parse("""
            {"type": "record", "name": "PredictionBatchArrays", "namespace": "org.isgd.bench", "fields": [
              {"name": "runId", "type": "string"}, {"name": "rank", "type": "int"},
              {"name": "batchSeq", "type": "long"}, {"name": "step", "type": "long"},
              {"name": "trainLoss", "type": "float"}, {"name": "trainerId", "type": "string"},
              {"name": "timestamp", "type": "long"},
              {"name": "sampleIds", "type": {"type": "array", "items": "long"}},
              {"name": "labels", "type": {"type": "array", "items": "int"}},
              {"name": "pCorrect", "type": {"type": "array", "items": "float"}},
              {"name": "loss", "type": {"type": "array", "items": "float"}},
              {"name": "gradNormBound", "type": {"type": "array", "items": "float"}},
              {"name": "predicted", "type": {"type": "array", "items": "int"}}
            ]}""");
    private static final AvroSerde<PredictionBatch> PACKED = AvroSerde.of(PredictionBatch.class);

    @Param({"128", "1024"})
    public int rows;

    private long[] ids;
    private int[] labels;
    private float[] pCorrect;
    private float[] loss;
    private float[] gnb;
    private int[] predicted;
    private byte[] packedBytes;
    private byte[] arrayBytes;
    private final GenericDatumWriter<GenericRecord> arrayWriter = new GenericDatumWriter<>(ARRAYS);
    private final GenericDatumReader<GenericRecord> arrayReader = new GenericDatumReader<>(ARRAYS);
    private BinaryDecoder decoder;
    private BinaryEncoder encoder;

    @Setup(Level.Trial)
    public void fill() {
        final SplittableRandom random = new SplittableRandom(7);
        ids = new long[rows];
        labels = new int[rows];
        pCorrect = new float[rows];
        loss = new float[rows];
        gnb = new float[rows];
        predicted = new int[rows];
        for (int i = 0; i < rows; i++) {
            ids[i] = random.nextLong(1_000_000);
            labels[i] = random.nextInt(10);
            pCorrect[i] = (float) random.nextDouble();
            loss[i] = (float) -Math.log(Math.max(1e-6, pCorrect[i]));
            gnb[i] = (float) random.nextDouble(1.4);
            predicted[i] = random.nextInt(10);
        }
        packedBytes = encodePacked();
        arrayBytes = encodeArrays();
    }

    @Benchmark
    public byte[] encodePacked() {
        return PACKED.encode(PredictionBatch.newBuilder().setRunId("run-1").setRank(0).setBatchSeq(12345L)
                .setStep(12345L).setTrainLoss(0.5f).setTrainerId("trainer-0").setTimestamp(1_700_000_000_000L)
                .setCount(rows).setSampleIds(Columns.ofLongs(ids)).setLabels(Columns.ofInts(labels))
                .setPCorrect(Columns.ofFloats(pCorrect)).setLoss(Columns.ofFloats(loss))
                .setGradNormBound(Columns.ofFloats(gnb)).setPredicted(Columns.ofInts(predicted)).build());
    }

    @Benchmark
    public void decodePacked(final Blackhole sink) {
        final PredictionBatch batch = PACKED.decode(packedBytes);
        final int n = batch.getCount();
        sink.consume(batch.getRunId());
        sink.consume(Columns.longs("sampleIds", batch.getSampleIds(), n));
        sink.consume(Columns.ints("labels", batch.getLabels(), n));
        sink.consume(Columns.floats("pCorrect", batch.getPCorrect(), n));
        sink.consume(Columns.floats("loss", batch.getLoss(), n));
        sink.consume(Columns.floats("gradNormBound", batch.getGradNormBound(), n));
        sink.consume(Columns.ints("predicted", batch.getPredicted(), n));
    }

    @Benchmark
    public byte[] encodeArrays() {
        final GenericRecord record = new GenericData.Record(ARRAYS);
        record.put("runId", "run-1");
        record.put("rank", 0);
        record.put("batchSeq", 12345L);
        record.put("step", 12345L);
        record.put("trainLoss", 0.5f);
        record.put("trainerId", "trainer-0");
        record.put("timestamp", 1_700_000_000_000L);
        final List<Long> idList = new ArrayList<>(rows);
        final List<Integer> labelList = new ArrayList<>(rows);
        final List<Float> pList = new ArrayList<>(rows);
        final List<Float> lossList = new ArrayList<>(rows);
        final List<Float> gnbList = new ArrayList<>(rows);
        final List<Integer> predictedList = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            idList.add(ids[i]);
            labelList.add(labels[i]);
            pList.add(pCorrect[i]);
            lossList.add(loss[i]);
            gnbList.add(gnb[i]);
            predictedList.add(predicted[i]);
        }
        record.put("sampleIds", idList);
        record.put("labels", labelList);
        record.put("pCorrect", pList);
        record.put("loss", lossList);
        record.put("gradNormBound", gnbList);
        record.put("predicted", predictedList);
        final ByteArrayOutputStream out = new ByteArrayOutputStream(rows * 32);
        encoder = EncoderFactory.get().binaryEncoder(out, encoder);
        try {
            arrayWriter.write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Benchmark
    public void decodeArrays(final Blackhole sink) throws IOException {
        decoder = DecoderFactory.get().binaryDecoder(arrayBytes, decoder);
        final GenericRecord record = arrayReader.read(null, decoder);
        sink.consume(record.get("runId"));
        sink.consume(toLongs(record.get("sampleIds")));
        sink.consume(toInts(record.get("labels")));
        sink.consume(toFloats(record.get("pCorrect")));
        sink.consume(toFloats(record.get("loss")));
        sink.consume(toFloats(record.get("gradNormBound")));
        sink.consume(toInts(record.get("predicted")));
    }

    @SuppressWarnings("unchecked")
    private static long[] toLongs(final Object list) {
        return ((List<Long>) list).stream().mapToLong(Long::longValue).toArray();
    }

    @SuppressWarnings("unchecked")
    private static int[] toInts(final Object list) {
        return ((List<Integer>) list).stream().mapToInt(Integer::intValue).toArray();
    }

    @SuppressWarnings("unchecked")
    private static float[] toFloats(final Object list) {
        final List<Float> values = (List<Float>) list;
        final float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
