package org.isgd.sampler.topology;

import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.SampleRegistered;
import org.isgd.schemas.TrainerProgress;

/**
 * Field checks on input records, each returning the dead-letter reason or null. Reasons start
 * with a short kind ("invalid-field", "key-mismatch") that the dead-letter metric counts by.
 */
final class Validation {
    static final String INVALID_FIELD = "invalid-field";
    static final String KEY_MISMATCH = "key-mismatch";
    static final String OVERSIZED = "oversized";
    /** Far above any legal record (a RunSpec is ~200 bytes, a prediction ~60): bigger is garbage or abuse. */
    static final int MAX_VALUE_BYTES = 64 * 1024;

    private Validation() {
    }

    static String name(final String what, final String value) {
        if (value == null || value.isEmpty() || value.indexOf('/') >= 0) {
            return INVALID_FIELD + ": " + what + " must be non-empty and without '/', was '" + value + "'";
        }
        return null;
    }

    static String sample(final byte[] key, final SampleRegistered sample) {
        if (sample.getSampleId() < 0) {
            return INVALID_FIELD + ": negative sampleId " + sample.getSampleId();
        }
        if (sample.getLabel() < 0) {
            return INVALID_FIELD + ": negative label " + sample.getLabel() + " for sample " + sample.getSampleId();
        }
        final String keyProblem = sampleKey(key, sample.getSampleId());
        return keyProblem != null ? keyProblem : name("dataset", sample.getDataset());
    }

    static String prediction(final byte[] key, final SamplePrediction p) {
        if (p.getSampleId() < 0) {
            return INVALID_FIELD + ": negative sampleId " + p.getSampleId();
        }
        if (!(p.getPCorrect() >= 0f && p.getPCorrect() <= 1f)) {
            return INVALID_FIELD + ": pCorrect must be in [0, 1], was " + p.getPCorrect() + " for sample " + p.getSampleId();
        }
        if (!(p.getLoss() >= 0f) || Float.isInfinite(p.getLoss())) {
            return INVALID_FIELD + ": loss must be finite and >= 0, was " + p.getLoss() + " for sample " + p.getSampleId();
        }
        if (!(p.getGradNormBound() >= 0f) || p.getGradNormBound() > 2f) {
            return INVALID_FIELD + ": gradNormBound must be in [0, sqrt 2], was " + p.getGradNormBound()
                    + " for sample " + p.getSampleId();
        }
        if (p.getBatchSeq() < 0) {
            return INVALID_FIELD + ": negative batchSeq " + p.getBatchSeq();
        }
        return sampleKey(key, p.getSampleId());
    }

    static String progress(final TrainerProgress p) {
        if (p.getRank() < 0 || p.getBatchSeq() < 0) {
            return INVALID_FIELD + ": rank and batchSeq must be >= 0, were " + p.getRank() + " and " + p.getBatchSeq();
        }
        return null;
    }

    /** The key of a prediction batch is its runId in UTF-8: it decides which task gets the record. */
    static String runKey(final byte[] key, final String runId) {
        final String problem = name("runId", runId);
        if (problem != null) {
            return problem;
        }
        final String keyText = key == null ? null : new String(key, java.nio.charset.StandardCharsets.UTF_8);
        return runId.equals(keyText) ? null
                : KEY_MISMATCH + ": key must be the runId '" + runId + "' in UTF-8, was " + (key == null ? "null" : "'" + keyText + "'");
    }

    /** The key of samples and predictions is the sampleId as Kafka's LongSerializer writes it. */
    private static String sampleKey(final byte[] key, final long sampleId) {
        if (key == null || key.length != Long.BYTES) {
            return KEY_MISMATCH + ": key must be the 8-byte big-endian sampleId " + sampleId + ", was "
                    + (key == null ? "null" : key.length + " bytes");
        }
        final long keyId = java.nio.ByteBuffer.wrap(key).getLong();
        return keyId == sampleId ? null : KEY_MISMATCH + ": key says sample " + keyId + ", value says " + sampleId;
    }
}
