package org.isgd.sampler.sampling;

import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * One pass, without replacement, over a shuffled set of slots, for the policies that walk
 * epochs. Samples admitted while a pass is under way are served before the rest of it, so a
 * newcomer is drawn soon; between passes they need nothing, the next pass includes them.
 */
public final class EpochQueue {
    private int[] order = new int[0];
    private int next;
    private final ArrayDeque<Integer> newcomers = new ArrayDeque<>();

    /** Starts a pass over {@code slots[0, count)} in a random order (Fisher–Yates). */
    public void start(final int[] slots, final int count, final SplittableRandom random) {
        order = java.util.Arrays.copyOf(slots, count);
        for (int i = count - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        next = 0;
        newcomers.clear();
    }

    /** A sample new to the population: served next if a pass is under way. */
    public void admit(final int slot) {
        if (next < order.length) {
            newcomers.addLast(slot);
        }
    }

    public boolean isEmpty() {
        return next >= order.length && newcomers.isEmpty();
    }

    /** Slots left in the pass. */
    public int remaining() {
        return order.length - next + newcomers.size();
    }

    /** The next slot of the pass; the queue must not be empty. */
    public int poll() {
        return newcomers.isEmpty() ? order[next++] : newcomers.pollFirst();
    }

    /** Ends the pass. */
    public void clear() {
        next = order.length;
        newcomers.clear();
    }
}
