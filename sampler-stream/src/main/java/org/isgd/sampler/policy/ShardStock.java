package org.isgd.sampler.policy;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * What the coordinator of a sharded run holds in stock: samples each shard drew ahead for it,
 * many batches' worth per request (a <em>grant</em>), from which the coordinator assembles
 * batches without a round trip to the shards per batch.
 *
 * <p>Why the batches stay exact. A shard answers a grant with i.i.d. draws from its in-shard
 * distribution r_s as it was when it drew them, each with r_s(i). For a batch the coordinator
 * picks how many of its samples come from each shard — a multinomial over the chances P(s),
 * seeded by the batch — and takes them from the front of each shard's stock. Which entries are
 * at the front depends only on how many were taken before, never on which samples they are, so a
 * slot filled from shard s holds sample i with probability P(s) · r_s(i): that product is the
 * true inclusion probability the batch reports, and 1/(N·q_i) an unbiased weight. Dropping
 * stock (a plan change, a restart) is decided without looking at the samples either, so it
 * biases nothing. With current summaries P(s) · r_s(i) is the single-task q_i (see
 * {@link ShardedDraw}); a stock entry is at most one grant old, and a grant covers a few
 * batches' worth of draws (the stock's target), which bounds how stale the scores behind a draw are.
 *
 * <p>A walk run (selective-backprop, infobatch) counts its grants and stock in candidates: a shard's chunk
 * holds what its walk kept and where among the candidates walked; {@link WalkInterleave} reads
 * the candidates with {@link #peek} and takes them with {@link #consume}.
 *
 * <p>Only {@link #nextGrant} is persisted: after a restart the stock starts empty, grants
 * numbered below it are dropped when their stock arrives, and the shards are asked anew.
 */
public final class ShardStock {
    /** Most samples one grant asks for: a stock message (20 bytes a sample) stays well under a 1 MB record. */
    public static final int MAX_GRANT = 32_768;
    /** Grants a shard may have in flight at once. */
    public static final int MAX_IN_FLIGHT = 4;
    /**
     * Grants a shard of a walk run may have in flight at once. A walk's grant counts candidates, of
     * which only the keep rate's share come back as stock (a quarter to a third for
     * selective-backprop's defaults), so four grants in flight held a sharded selective-backprop run
     * to 0.22–0.27× the indices/s of an unsharded one, waiting with a third of the cores busy; with
     * sixteen it draws as fast as one instance. More grants in flight did not help draws ∝ mass.
     */
    public static final int WALK_MAX_IN_FLIGHT = 16;
    /** A grant unanswered for this long is given up (its stock is dropped if it still comes). */
    public static final long GRANT_TIMEOUT_MS = 30_000;

    /**
     * What a shard drew for one grant: ids, labels and each sample's probability in the shard, r_s(i).
     * For a walk ({@link SamplingPolicy#walks}) the grant counted candidates: the chunk holds the
     * kept ones, {@code at[i]} is kept sample i's place among the {@code candidates} walked, and
     * {@code inShard[i]} its keep probability.
     */
    public record Chunk(long grant, long drawnAt, long[] ids, int[] labels, double[] inShard, int[] at,
                        int candidates) {
        /** A draw of samples (the score-based policies): every entry is one sample. */
        public Chunk(final long grant, final long drawnAt, final long[] ids, final int[] labels, final double[] inShard) {
            this(grant, drawnAt, ids, labels, inShard, null, ids.length);
        }

        public int size() {
            return ids.length;
        }

        /** What the chunk counts toward its grant: samples, or for a walk candidates. */
        int units() {
            return at == null ? ids.length : candidates;
        }
    }

    private static final class Shelf {
        final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
        /** Entries of the head chunk already taken. */
        int position;
        /** A walk's candidates of the head chunk already consumed. */
        int candidate;
        /** Samples in stock, or for a walk candidates. */
        int available;
        /** grant → {count, sent at}. */
        final Map<Long, long[]> inFlight = new HashMap<>();
        int inFlightCount;
    }

    private final Map<Integer, Shelf> shelves = new HashMap<>();
    private ShardedDraw.Plan plan;
    private long nextGrant;
    /** Grants numbered below this were made for stock that is gone (another plan, or before a restart). */
    private long validFrom;
    private final int maxInFlight;

    /** @param nextGrant the number of the next grant (persisted by the coordinator) */
    public ShardStock(final long nextGrant) {
        this(nextGrant, MAX_IN_FLIGHT);
    }

    /**
     * @param nextGrant the number of the next grant (persisted by the coordinator)
     * @param maxInFlight grants a shard may have in flight at once
     */
    public ShardStock(final long nextGrant, final int maxInFlight) {
        this.nextGrant = nextGrant;
        this.validFrom = nextGrant;
        this.maxInFlight = maxInFlight;
    }

    /** Grants a shard may have in flight at once. */
    public int maxInFlight() {
        return maxInFlight;
    }

    public long nextGrant() {
        return nextGrant;
    }

    /** The plan the stock is drawn under; null before the first. */
    public ShardedDraw.Plan plan() {
        return plan;
    }

    /**
     * Draws from now on follow {@code next}: if it differs from the stock's plan, everything in
     * stock or on its way is dropped. Returns whether it did.
     */
    public boolean replan(final ShardedDraw.Plan next) {
        if (next.equals(plan)) {
            return false;
        }
        plan = next;
        shelves.clear();
        validFrom = nextGrant;
        return true;
    }

    public int available(final int shard) {
        final Shelf shelf = shelves.get(shard);
        return shelf == null ? 0 : shelf.available;
    }

    /** Samples in stock over all shards. */
    public long available() {
        long sum = 0;
        for (final Shelf shelf : shelves.values()) {
            sum += shelf.available;
        }
        return sum;
    }

    /**
     * How many samples to ask {@code shard} for now, 0 for none: when what it has plus what is on
     * its way falls a quarter of {@code target} short (or short of {@code need}, what a waiting
     * batch needs, with nothing on its way to cover it), enough to reach it, at most
     * {@link #MAX_GRANT}, and only while fewer than {@link #maxInFlight} grants are in flight.
     */
    public int shortfall(final int shard, final int target, final int need, final long now) {
        final Shelf shelf = shelf(shard);
        expire(shelf, now);
        final int have = shelf.available + shelf.inFlightCount;
        final int deficit = Math.max(target, need) - have;
        if (deficit <= 0 || shelf.inFlight.size() >= maxInFlight || deficit < target / 4 && have >= need) {
            return 0;
        }
        return Math.min(MAX_GRANT, deficit);
    }

    /** Records a grant of {@code count} samples to {@code shard} as in flight; returns its number. */
    public long grant(final int shard, final int count, final long now) {
        final long grant = nextGrant++;
        final Shelf shelf = shelf(shard);
        shelf.inFlight.put(grant, new long[] {count, now});
        shelf.inFlightCount += count;
        return grant;
    }

    /** A shard's stock arrived: kept if its grant is still awaited (returns true), else dropped. */
    public boolean receive(final int shard, final Chunk chunk) {
        final Shelf shelf = shelves.get(shard);
        final long[] granted = chunk.grant() < validFrom || shelf == null ? null : shelf.inFlight.remove(chunk.grant());
        if (granted == null) {
            return false;
        }
        shelf.inFlightCount -= (int) granted[0];
        if (chunk.units() > 0) {
            shelf.chunks.addLast(chunk);
            shelf.available += chunk.units();
        }
        return true;
    }

    /**
     * A walk run: reads the shard's candidates in stock one after another without taking them, to
     * find how many the next batch needs before any is consumed ({@link #consume} takes them).
     */
    public final class Peek {
        private final Iterator<Chunk> chunks;
        private Chunk head;
        private int position;
        private int candidate;
        private int left;
        /** Chunks read to their end. */
        private int passed;
        /** When the oldest chunk read was drawn. */
        private long oldest = Long.MAX_VALUE;
        /** The head chunk's entry of the candidate last read, -1 if it was not kept. */
        private int kept = -1;

        private Peek(final Shelf shelf) {
            chunks = shelf.chunks.iterator();
            head = chunks.hasNext() ? chunks.next() : null;
            position = shelf.position;
            candidate = shelf.candidate;
            left = shelf.available;
        }

        /** Candidates not yet read. */
        public int left() {
            return left;
        }

        /** Reads the next candidate (there must be one): whether the shard kept it. */
        public boolean next() {
            if (left <= 0) {
                throw new IllegalStateException("no candidate left in stock");
            }
            while (candidate == head.candidates()) {
                head = chunks.next();
                position = 0;
                candidate = 0;
                passed++;
            }
            oldest = Math.min(oldest, head.drawnAt());
            left--;
            kept = position < head.size() && head.at()[position] == candidate ? position++ : -1;
            candidate++;
            return kept >= 0;
        }
    }

    /** A walk run: a reader of the shard's candidates in stock (empty if it has none). */
    public Peek peek(final int shard) {
        return new Peek(shelf(shard));
    }

    /**
     * A walk run: consumes the shard's next {@code n} candidates, copying the kept ones into the
     * arrays from index {@code at} (inShard gets the keep probability); returns how many were kept
     * and, in {@code oldest[0]}, lowers it to when the oldest of the chunks read was drawn.
     */
    public int consume(final int shard, final int n, final long[] ids, final int[] labels, final double[] inShard,
                       final int at, final long[] oldest) {
        final Shelf shelf = shelves.get(shard);
        if (shelf == null || shelf.available < n) {
            throw new IllegalStateException("shard " + shard + " has " + available(shard) + " candidates in stock, not "
                    + n);
        }
        final Peek read = new Peek(shelf);
        int to = at;
        for (int i = 0; i < n; i++) {
            if (read.next()) {
                ids[to] = read.head.ids()[read.kept];
                labels[to] = read.head.labels()[read.kept];
                inShard[to++] = read.head.inShard()[read.kept];
            }
        }
        oldest[0] = Math.min(oldest[0], read.oldest);
        for (int i = 0; i < read.passed; i++) {
            shelf.chunks.removeFirst();
        }
        final boolean finished = read.head != null && read.candidate == read.head.candidates();
        if (finished) {
            shelf.chunks.removeFirst();
        }
        shelf.position = finished ? 0 : read.position;
        shelf.candidate = finished ? 0 : read.candidate;
        shelf.available -= n;
        return to - at;
    }

    /**
     * Takes the first {@code n} samples of the shard's stock into the arrays from index
     * {@code at} (inShard gets r_s(i)); returns when the oldest of them was drawn.
     */
    public long take(final int shard, final int n, final long[] ids, final int[] labels, final double[] inShard,
                     final int at) {
        final Shelf shelf = shelves.get(shard);
        if (shelf == null || shelf.available < n) {
            throw new IllegalStateException("shard " + shard + " has " + available(shard) + " samples in stock, not " + n);
        }
        long oldest = Long.MAX_VALUE;
        int to = at;
        int left = n;
        while (left > 0) {
            final Chunk head = shelf.chunks.peekFirst();
            final int m = Math.min(left, head.size() - shelf.position);
            System.arraycopy(head.ids(), shelf.position, ids, to, m);
            System.arraycopy(head.labels(), shelf.position, labels, to, m);
            System.arraycopy(head.inShard(), shelf.position, inShard, to, m);
            oldest = Math.min(oldest, head.drawnAt());
            shelf.position += m;
            to += m;
            left -= m;
            if (shelf.position == head.size()) {
                shelf.chunks.removeFirst();
                shelf.position = 0;
            }
        }
        shelf.available -= n;
        return oldest;
    }

    private Shelf shelf(final int shard) {
        return shelves.computeIfAbsent(shard, s -> new Shelf());
    }

    private static void expire(final Shelf shelf, final long now) {
        for (final Iterator<long[]> it = shelf.inFlight.values().iterator(); it.hasNext(); ) {
            final long[] granted = it.next();
            if (now - granted[1] > GRANT_TIMEOUT_MS) {
                shelf.inFlightCount -= (int) granted[0];
                it.remove();
            }
        }
    }
}
