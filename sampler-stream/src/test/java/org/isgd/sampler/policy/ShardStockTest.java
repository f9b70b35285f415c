package org.isgd.sampler.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The stock's bookkeeping: grants in flight, what it keeps and drops, takes across chunks, top-up rules. */
class ShardStockTest {
    private static final ShardedDraw.Plan UNIFORM = new ShardedDraw.Plan("uniform", 0.0);
    private static final ShardedDraw.Plan IMPORTANCE = new ShardedDraw.Plan("importance", 0.9);

    private static ShardStock.Chunk chunk(final long grant, final long drawnAt, final long firstId, final int n) {
        final long[] ids = new long[n];
        final int[] labels = new int[n];
        final double[] inShard = new double[n];
        for (int i = 0; i < n; i++) {
            ids[i] = firstId + i;
            labels[i] = (int) ((firstId + i) % 10);
            inShard[i] = 1.0 / (firstId + i + 1);
        }
        return new ShardStock.Chunk(grant, drawnAt, ids, labels, inShard);
    }

    @Test
    void takesInOrderAcrossChunksAndReportsTheOldestDraw() {
        final ShardStock stock = new ShardStock(7);
        stock.replan(UNIFORM);
        final long a = stock.grant(2, 3, 0);
        final long b = stock.grant(2, 4, 0);
        assertEquals(7, a);
        assertEquals(8, b);
        assertEquals(9, stock.nextGrant());
        assertTrue(stock.receive(2, chunk(a, 100, 0, 3)));
        assertTrue(stock.receive(2, chunk(b, 200, 10, 4)));
        assertEquals(7, stock.available(2));
        final long[] ids = new long[6];
        final int[] labels = new int[6];
        final double[] q = new double[6];
        assertEquals(100, stock.take(2, 2, ids, labels, q, 0));
        assertEquals(100, stock.take(2, 3, ids, labels, q, 2), "the oldest sample taken came from the first chunk");
        assertArrayEquals(new long[] {0, 1, 2, 10, 11, 0}, ids);
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 0}, labels);
        assertEquals(1.0 / 11, q[3], 0);
        assertEquals(2, stock.available(2));
        assertEquals(200, stock.take(2, 1, ids, labels, q, 5));
        assertEquals(12, ids[5]);
        assertThrows(IllegalStateException.class, () -> stock.take(2, 2, ids, labels, q, 0));
    }

    @Test
    void dropsStockOfAnotherPlanAndGrantsItNeverMade() {
        final ShardStock stock = new ShardStock(0);
        stock.replan(UNIFORM);
        final long before = stock.grant(0, 5, 0);
        assertTrue(stock.receive(0, chunk(before, 0, 0, 5)));
        final long late = stock.grant(0, 5, 0);
        assertFalse(stock.replan(UNIFORM), "the same plan keeps the stock");
        assertEquals(5, stock.available(0));
        assertTrue(stock.replan(IMPORTANCE));
        assertEquals(0, stock.available(0), "stock drawn under the old plan is gone");
        assertFalse(stock.receive(0, chunk(late, 0, 0, 5)), "a grant made under the old plan arrives: dropped");
        assertFalse(stock.receive(0, chunk(99, 0, 0, 5)), "a grant never made");
        final long now = stock.grant(0, 5, 0);
        assertTrue(stock.receive(0, chunk(now, 0, 0, 5)));
        assertFalse(stock.receive(0, chunk(now, 0, 0, 5)), "the same grant twice");
        assertEquals(5, stock.available(0));
    }

    @Test
    void afterARestartOlderGrantsAreDropped() {
        final ShardStock restored = new ShardStock(40); // the coordinator persisted 40 as the next grant
        restored.replan(UNIFORM);
        assertFalse(restored.receive(1, chunk(39, 0, 0, 5)), "granted before the restart");
        assertEquals(40, restored.grant(1, 5, 0));
    }

    @Test
    void topsUpInLargeGrantsNotOneBatchAtATime() {
        final ShardStock stock = new ShardStock(0);
        stock.replan(UNIFORM);
        assertEquals(1000, stock.shortfall(0, 1000, 0, 0), "empty: the whole target");
        final long g = stock.grant(0, 1000, 0);
        assertEquals(0, stock.shortfall(0, 1000, 0, 0), "on its way");
        assertTrue(stock.receive(0, chunk(g, 0, 0, 1000)));
        final long[] ids = new long[300];
        stock.take(0, 200, ids, new int[300], new double[300], 0);
        assertEquals(0, stock.shortfall(0, 1000, 0, 0), "200 short of 1000: less than a quarter, wait");
        stock.take(0, 100, ids, new int[300], new double[300], 0);
        assertEquals(300, stock.shortfall(0, 1000, 0, 0), "300 short: top up to the target");
        assertEquals(ShardStock.MAX_GRANT, stock.shortfall(0, 10 * ShardStock.MAX_GRANT, 0, 0), "one grant at most");
        assertEquals(800, stock.shortfall(0, 10, 1500, 0), "a waiting batch needs more than the target");
    }

    @Test
    void limitsGrantsInFlightAndGivesUpOnLostOnes() {
        final ShardStock stock = new ShardStock(0);
        stock.replan(UNIFORM);
        for (int i = 0; i < ShardStock.MAX_IN_FLIGHT; i++) {
            stock.grant(3, 10, 0);
        }
        assertEquals(0, stock.shortfall(3, 1000, 1000, 1), "in-flight limit reached");
        assertEquals(1000, stock.shortfall(3, 1000, 0, ShardStock.GRANT_TIMEOUT_MS + 1), "given up on: granted anew");
        assertFalse(stock.receive(3, chunk(0, 0, 0, 10)), "the lost grant's stock, if it still comes, is dropped");
    }

    @Test
    void aWalkRunsStockMayHaveMoreGrantsInFlight() {
        final ShardStock stock = new ShardStock(0, ShardStock.WALK_MAX_IN_FLIGHT);
        stock.replan(UNIFORM);
        for (int i = 0; i < ShardStock.WALK_MAX_IN_FLIGHT - 1; i++) {
            final int count = stock.shortfall(3, 1_000_000, 0, 1);
            assertEquals(ShardStock.MAX_GRANT, count, "grant " + i + " of a walk's stock far short of its target");
            stock.grant(3, count, 1);
        }
        assertEquals(ShardStock.MAX_GRANT, stock.shortfall(3, 1_000_000, 0, 1));
        stock.grant(3, ShardStock.MAX_GRANT, 1);
        assertEquals(0, stock.shortfall(3, 1_000_000, 0, 1), "its in-flight limit reached");
        assertEquals(ShardStock.WALK_MAX_IN_FLIGHT, stock.maxInFlight());
    }

    @Test
    void anEmptyAnswerEndsTheGrant() {
        final ShardStock stock = new ShardStock(0);
        stock.replan(UNIFORM);
        final long g = stock.grant(0, 64, 0);
        assertTrue(stock.receive(0, chunk(g, 0, 0, 0)), "the shard holds none of the run");
        assertEquals(0, stock.available(0));
        assertEquals(64, stock.shortfall(0, 64, 0, 0), "nothing in flight any more");
    }
}
