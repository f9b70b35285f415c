package org.isgd.sampler.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.errors.SerializationException;
import org.isgd.sampler.policy.ShardedDraw;

/**
 * What the shards of a sharded run and its coordinator tell each other on the sampler's internal
 * topics (not part of the wire contract; one format byte leads each record so it can evolve).
 */
sealed interface ShardMessage {
    byte FORMAT = 1;

    /** The run the message is about: the coordinator's key. */
    String runId();

    /** Coordinator → shard: draw {@code count} samples of batch {@code batchSeq} under this plan. */
    record DrawRequest(String runId, long batchSeq, int shard, int count, ShardedDraw.Plan plan,
                       ShardedDraw.Totals totals, ShardedDraw.Share share) implements ShardMessage {
    }

    /** Shard → coordinator: the samples it drew for a batch, with their labels, weights and q_i. */
    record DrawPart(String runId, long batchSeq, int shard, long[] sampleIds, int[] labels, float[] weights,
                    double[] probabilities) implements ShardMessage {
    }

    /** Shard → coordinator: the shard's current state for the run, sent when it changes. */
    record ShardReport(String runId, int shard, ShardedDraw.Summary summary) implements ShardMessage {
    }

    static byte[] encode(final ShardMessage message) {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            if (message instanceof DrawRequest r) {
                out.writeByte(0);
                out.writeUTF(r.runId());
                out.writeLong(r.batchSeq());
                out.writeInt(r.shard());
                out.writeInt(r.count());
                out.writeUTF(r.plan().phase());
                out.writeDouble(r.plan().share());
                out.writeInt(r.totals().population());
                out.writeDouble(r.totals().mass());
                out.writeDouble(r.totals().maxMass());
                out.writeDouble(r.totals().tau());
                out.writeDouble(r.share().chance());
                out.writeDouble(r.share().proportional());
            } else if (message instanceof DrawPart p) {
                out.writeByte(1);
                out.writeUTF(p.runId());
                out.writeLong(p.batchSeq());
                out.writeInt(p.shard());
                out.writeInt(p.sampleIds().length);
                for (int i = 0; i < p.sampleIds().length; i++) {
                    out.writeLong(p.sampleIds()[i]);
                    out.writeInt(p.labels()[i]);
                    out.writeFloat(p.weights()[i]);
                    out.writeDouble(p.probabilities()[i]);
                }
            } else if (message instanceof ShardReport r) {
                out.writeByte(2);
                out.writeUTF(r.runId());
                out.writeInt(r.shard());
                writeSummary(out, r.summary());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static void writeSummary(final DataOutputStream out, final ShardedDraw.Summary s) throws IOException {
        out.writeInt(s.population());
        out.writeDouble(s.seenMass());
        out.writeInt(s.unseenCount());
        out.writeDouble(s.maxMass());
        out.writeDouble(s.tau());
    }

    static ShardedDraw.Summary readSummary(final DataInputStream in) throws IOException {
        return new ShardedDraw.Summary(in.readInt(), in.readDouble(), in.readInt(), in.readDouble(), in.readDouble());
    }

    static ShardMessage decode(final byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            final byte format = in.readByte();
            if (format != FORMAT) {
                throw new SerializationException("unknown shard message format " + format);
            }
            final byte kind = in.readByte();
            return switch (kind) {
                case 0 -> new DrawRequest(in.readUTF(), in.readLong(), in.readInt(), in.readInt(),
                        new ShardedDraw.Plan(in.readUTF(), in.readDouble()),
                        new ShardedDraw.Totals(in.readInt(), in.readDouble(), in.readDouble(), in.readDouble()),
                        new ShardedDraw.Share(in.readDouble(), in.readDouble()));
                case 1 -> {
                    final String runId = in.readUTF();
                    final long seq = in.readLong();
                    final int shard = in.readInt();
                    final int n = in.readInt();
                    final long[] ids = new long[n];
                    final int[] labels = new int[n];
                    final float[] weights = new float[n];
                    final double[] probabilities = new double[n];
                    for (int i = 0; i < n; i++) {
                        ids[i] = in.readLong();
                        labels[i] = in.readInt();
                        weights[i] = in.readFloat();
                        probabilities[i] = in.readDouble();
                    }
                    yield new DrawPart(runId, seq, shard, ids, labels, weights, probabilities);
                }
                case 2 -> new ShardReport(in.readUTF(), in.readInt(), readSummary(in));
                default -> throw new SerializationException("unknown shard message kind " + kind);
            };
        } catch (IOException e) {
            throw new SerializationException("truncated shard message", e);
        }
    }
}
