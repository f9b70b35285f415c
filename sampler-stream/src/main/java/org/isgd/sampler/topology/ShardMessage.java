package org.isgd.sampler.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.errors.SerializationException;
import org.isgd.sampler.policy.ShardStock;
import org.isgd.sampler.policy.ShardedDraw;

/**
 * What the shards of a sharded run and its coordinator tell each other on the sampler's internal
 * topics (not part of the wire contract; one format byte leads each record so it can evolve).
 */
sealed interface ShardMessage {
    /** 2: grants and stock; 1 (before it): a request and a part per batch, read back as {@link Obsolete}. */
    byte FORMAT = 2;

    /** The run the message is about: the coordinator's key. */
    String runId();

    /**
     * Coordinator → shard: draw {@code count} samples ahead, ∝ mass with probability
     * {@code proportional} (else uniform in the shard), under this plan and these totals.
     */
    record Grant(String runId, long grant, int shard, int count, ShardedDraw.Plan plan, ShardedDraw.Totals totals,
                 double proportional) implements ShardMessage {
    }

    /** Shard → coordinator: what it drew for a grant, with labels and each sample's probability in the shard. */
    record Stock(String runId, int shard, ShardStock.Chunk chunk) implements ShardMessage {
    }

    /** Shard → coordinator: the shard's current state for the run, sent when it changes. */
    record ShardReport(String runId, int shard, ShardedDraw.Summary summary) implements ShardMessage {
    }

    /** A per-batch request or part of the protocol before grants, still in a topic after an upgrade: ignored. */
    record Obsolete(String runId) implements ShardMessage {
    }

    static byte[] encode(final ShardMessage message) {
        final int rows = message instanceof Stock stock ? stock.chunk().size() : 0;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + rows * 20);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            if (message instanceof Grant g) {
                out.writeByte(0);
                out.writeUTF(g.runId());
                out.writeLong(g.grant());
                out.writeInt(g.shard());
                out.writeInt(g.count());
                out.writeUTF(g.plan().phase());
                out.writeDouble(g.plan().share());
                out.writeInt(g.totals().population());
                out.writeDouble(g.totals().mass());
                out.writeDouble(g.totals().maxMass());
                out.writeDouble(g.totals().tau());
                out.writeDouble(g.proportional());
            } else if (message instanceof Stock s) {
                final ShardStock.Chunk c = s.chunk();
                final boolean walk = c.at() != null;
                out.writeByte(walk ? 3 : 1); // 3: a walk's kept samples, with their places among its candidates
                out.writeUTF(s.runId());
                out.writeInt(s.shard());
                out.writeLong(c.grant());
                out.writeLong(c.drawnAt());
                out.writeInt(c.size());
                // columns, not rows: three bulk copies instead of three stream writes per sample
                final java.nio.ByteBuffer columns = java.nio.ByteBuffer.allocate(c.size() * (walk ? 24 : 20));
                columns.asLongBuffer().put(c.ids());
                columns.position(c.size() * 8).slice().asDoubleBuffer().put(c.inShard());
                columns.position(c.size() * 16).slice().asIntBuffer().put(c.labels());
                if (walk) {
                    columns.position(c.size() * 20).slice().asIntBuffer().put(c.at());
                }
                out.write(columns.array());
                if (walk) {
                    out.writeInt(c.candidates());
                }
            } else if (message instanceof ShardReport r) {
                out.writeByte(2);
                out.writeUTF(r.runId());
                out.writeInt(r.shard());
                writeSummary(out, r.summary());
            } else {
                throw new IllegalArgumentException("not sent: " + message);
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
            if (format != FORMAT && format != 1) {
                throw new SerializationException("unknown shard message format " + format);
            }
            final byte kind = in.readByte();
            if (kind == 2) {
                return new ShardReport(in.readUTF(), in.readInt(), readSummary(in)); // the same in both formats
            }
            if (format == 1 && (kind == 0 || kind == 1)) {
                return new Obsolete(in.readUTF());
            }
            return switch (kind) {
                case 0 -> new Grant(in.readUTF(), in.readLong(), in.readInt(), in.readInt(),
                        new ShardedDraw.Plan(in.readUTF(), in.readDouble()),
                        new ShardedDraw.Totals(in.readInt(), in.readDouble(), in.readDouble(), in.readDouble()),
                        in.readDouble());
                case 1, 3 -> {
                    final boolean walk = kind == 3;
                    final String runId = in.readUTF();
                    final int shard = in.readInt();
                    final long grant = in.readLong();
                    final long drawnAt = in.readLong();
                    final int n = in.readInt();
                    if (n < 0 || n > ShardStock.MAX_GRANT) {
                        throw new SerializationException("stock of " + n + " samples");
                    }
                    final int width = walk ? 24 : 20;
                    final byte[] raw = in.readNBytes(n * width);
                    if (raw.length != n * width) {
                        throw new SerializationException("truncated stock of " + n + " samples");
                    }
                    final java.nio.ByteBuffer columns = java.nio.ByteBuffer.wrap(raw);
                    final long[] ids = new long[n];
                    final int[] labels = new int[n];
                    final double[] inShard = new double[n];
                    columns.asLongBuffer().get(ids);
                    columns.position(n * 8).slice().asDoubleBuffer().get(inShard);
                    columns.position(n * 16).slice().asIntBuffer().get(labels);
                    if (!walk) {
                        yield new Stock(runId, shard, new ShardStock.Chunk(grant, drawnAt, ids, labels, inShard));
                    }
                    final int[] at = new int[n];
                    columns.position(n * 20).slice().asIntBuffer().get(at);
                    final int candidates = in.readInt();
                    if (candidates < n || candidates > ShardStock.MAX_GRANT) {
                        throw new SerializationException("a walk of " + candidates + " candidates that kept " + n);
                    }
                    yield new Stock(runId, shard, new ShardStock.Chunk(grant, drawnAt, ids, labels, inShard, at,
                            candidates));
                }
                default -> throw new SerializationException("unknown shard message kind " + kind);
            };
        } catch (IOException e) {
            throw new SerializationException("truncated shard message", e);
        }
    }
}
