package org.isgd.sampler.run;

import org.apache.kafka.common.errors.SerializationException;
import org.isgd.contract.AvroSerde;
import org.isgd.contract.Columns;
import org.isgd.schemas.PredictionBatch;
import org.isgd.schemas.SamplePrediction;

/**
 * A {@code PredictionBatch} with its columns unpacked into primitive arrays, and the bytes it
 * arrived as (what the journal keeps). {@code positions} and {@code trained} are null when the
 * trainer left them empty: row i is position i, and every row was trained.
 */
public record PredictionRows(PredictionBatch header, byte[] raw, long[] ids, int[] labels, float[] pCorrect,
                             float[] loss, float[] gradNormBound, int[] predicted, int[] positions, boolean[] trained) {
    /** Most rows a record may carry (a batch of 8 192 candidates is 270 KB). */
    public static final int MAX_ROWS = 65_536;
    public static final String INVALID_FIELD = "invalid-field";
    private static final AvroSerde<PredictionBatch> SERDE = AvroSerde.of(PredictionBatch.class);

    /**
     * Unpacks a decoded record.
     *
     * @throws SerializationException naming the column whose length does not match {@code count}
     */
    public static PredictionRows of(final PredictionBatch batch, final byte[] raw) {
        final int n = batch.getCount();
        if (n < 0 || n > MAX_ROWS) {
            throw new SerializationException("count " + n + " is outside [0, " + MAX_ROWS + "]");
        }
        return new PredictionRows(batch, raw, Columns.longs("sampleIds", batch.getSampleIds(), n),
                Columns.ints("labels", batch.getLabels(), n), Columns.floats("pCorrect", batch.getPCorrect(), n),
                Columns.floats("loss", batch.getLoss(), n), Columns.floats("gradNormBound", batch.getGradNormBound(), n),
                Columns.ints("predicted", batch.getPredicted(), n),
                Columns.absent(batch.getPositions()) ? null : Columns.ints("positions", batch.getPositions(), n),
                Columns.absent(batch.getTrained()) ? null : Columns.flags("trained", batch.getTrained(), n));
    }

    /** Decodes and unpacks the bytes of a PredictionBatch. */
    public static PredictionRows decode(final byte[] raw) {
        return of(SERDE.decode(raw), raw);
    }

    /** One prediction of the older per-sample contract, as a record of one row. */
    public static PredictionRows ofPrediction(final SamplePrediction p) {
        final PredictionBatch batch = PredictionBatch.newBuilder().setRunId(p.getRunId())
                .setRank(0).setBatchSeq(p.getBatchSeq()).setStep(p.getStep()).setTrainLoss(Float.NaN)
                .setTrainerId(p.getTrainerId()).setTimestamp(p.getTimestamp()).setCount(1)
                .setSampleIds(Columns.ofLongs(new long[] {p.getSampleId()}))
                .setLabels(Columns.ofInts(new int[] {p.getLabel()}))
                .setPCorrect(Columns.ofFloats(new float[] {p.getPCorrect()}))
                .setLoss(Columns.ofFloats(new float[] {p.getLoss()}))
                .setGradNormBound(Columns.ofFloats(new float[] {p.getGradNormBound()}))
                .setPredicted(Columns.ofInts(new int[] {p.getPredicted()}))
                .setPositions(Columns.ofInts(new int[] {p.getPosition()}))
                .build();
        return of(batch, SERDE.encode(batch));
    }

    /**
     * This record's rows in {@code parts} records with the same header, row i in part
     * {@code partOf(i)}, in their order; each part keeps its rows' positions (explicitly) and
     * trained flags. A part without rows is null.
     */
    public PredictionRows[] split(final java.util.function.IntUnaryOperator partOf, final int parts) {
        final int[] part = new int[count()];
        final int[] sizes = new int[parts];
        for (int i = 0; i < part.length; i++) {
            part[i] = partOf.applyAsInt(i);
            sizes[part[i]]++;
        }
        final PredictionRows[] split = new PredictionRows[parts];
        for (int p = 0; p < parts; p++) {
            if (sizes[p] == 0) {
                continue;
            }
            final int n = sizes[p];
            final long[] partIds = new long[n];
            final int[] partLabels = new int[n];
            final float[] partPCorrect = new float[n];
            final float[] partLoss = new float[n];
            final float[] partBound = new float[n];
            final int[] partPredicted = new int[n];
            final int[] partPositions = new int[n];
            final boolean[] partTrained = new boolean[n];
            int j = 0;
            for (int i = 0; i < part.length; i++) {
                if (part[i] != p) {
                    continue;
                }
                partIds[j] = ids[i];
                partLabels[j] = labels[i];
                partPCorrect[j] = pCorrect[i];
                partLoss[j] = loss[i];
                partBound[j] = gradNormBound[i];
                partPredicted[j] = predicted[i];
                partPositions[j] = position(i);
                partTrained[j++] = trained(i);
            }
            final PredictionBatch batch = PredictionBatch.newBuilder(header).setCount(n)
                    .setSampleIds(Columns.ofLongs(partIds)).setLabels(Columns.ofInts(partLabels))
                    .setPCorrect(Columns.ofFloats(partPCorrect)).setLoss(Columns.ofFloats(partLoss))
                    .setGradNormBound(Columns.ofFloats(partBound)).setPredicted(Columns.ofInts(partPredicted))
                    .setPositions(Columns.ofInts(partPositions))
                    .setTrained(trained == null ? header.getTrained() : Columns.ofFlags(partTrained))
                    .build();
            split[p] = new PredictionRows(batch, SERDE.encode(batch), partIds, partLabels, partPCorrect, partLoss,
                    partBound, partPredicted, partPositions, trained == null ? null : partTrained);
        }
        return split;
    }

    public int count() {
        return ids.length;
    }

    public int position(final int row) {
        return positions == null ? row : positions[row];
    }

    public boolean trained(final int row) {
        return trained == null || trained[row];
    }

    /** Why row {@code i}'s values cannot be applied whatever the run ("invalid-field: ..."), or null. */
    public String valueProblem(final int i) {
        final String problem;
        if (ids[i] < 0) {
            problem = "negative sampleId";
        } else if (!(pCorrect[i] >= 0f && pCorrect[i] <= 1f)) {
            problem = "pCorrect must be in [0, 1], was " + pCorrect[i];
        } else if (!(loss[i] >= 0f) || Float.isInfinite(loss[i])) {
            problem = "loss must be finite and >= 0, was " + loss[i];
        } else if (!(gradNormBound[i] >= 0f) || gradNormBound[i] > 2f) {
            problem = "gradNormBound must be in [0, sqrt 2], was " + gradNormBound[i];
        } else if (predicted[i] < 0) {
            problem = "negative predicted class " + predicted[i];
        } else if (positions != null && positions[i] < -1) {
            problem = "position must be >= 0 (or -1: not given), was " + positions[i];
        } else {
            return null;
        }
        return INVALID_FIELD + ": " + problem + " (row " + i + ", sample " + ids[i] + ")";
    }
}
