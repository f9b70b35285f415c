package org.isgd.sampler.status;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Which stream task of this instance holds a run, and a way to ask that task a question on its
 * own thread: the run's live state (a sample's state, the hardest samples) is never read from
 * another thread. A task registers a {@link Mailbox} for each run it holds and answers what was
 * asked between records and at every punctuation (100 ms), so an answer takes at most about that.
 *
 * @param <T> what a question is asked of (the task's run table)
 */
public final class RunDirectory<T> {
    private final Map<String, Mailbox<T>> owners = new ConcurrentHashMap<>();

    /** The questions waiting for one task. */
    public static final class Mailbox<T> {
        private final ConcurrentLinkedQueue<Runnable> questions = new ConcurrentLinkedQueue<>();
        private final T owner;
        private final Thread ownerThread;

        /** A mailbox for {@code owner}, answered by the thread that creates it. */
        public Mailbox(final T owner) {
            this.owner = owner;
            this.ownerThread = Thread.currentThread();
        }

        /** Answers every waiting question; the owning thread calls this. */
        public void answer() {
            Runnable question;
            while ((question = questions.poll()) != null) {
                question.run();
            }
        }

        <R> CompletableFuture<R> ask(final Function<T, R> question) {
            if (Thread.currentThread() == ownerThread) { // asked on the owning thread itself: answer now
                return CompletableFuture.completedFuture(question.apply(owner));
            }
            final CompletableFuture<R> answer = new CompletableFuture<>();
            questions.add(() -> {
                try {
                    answer.complete(question.apply(owner));
                } catch (RuntimeException e) {
                    answer.completeExceptionally(e);
                }
            });
            return answer;
        }
    }

    /** The key a task that holds shard {@code shard} of a sharded run registers under. */
    public static String shardKey(final String runId, final int shard) {
        return runId + "#" + shard;
    }

    public void register(final String runId, final Mailbox<T> mailbox) {
        owners.put(runId, mailbox);
    }

    /** Forgets the run if {@code mailbox} still holds it (another task of this instance may have taken it). */
    public void unregister(final String runId, final Mailbox<T> mailbox) {
        owners.remove(runId, mailbox);
    }

    /** Whether a task of this instance holds the run. */
    public boolean holds(final String runId) {
        return owners.containsKey(runId);
    }

    /** Asks the task that holds the run, without waiting; empty when no task of this instance holds it. */
    public <R> Optional<CompletableFuture<R>> ask(final String runId, final Function<T, R> question) {
        final Mailbox<T> mailbox = owners.get(runId);
        return mailbox == null ? Optional.empty() : Optional.of(mailbox.ask(question));
    }

    /**
     * Asks and waits for the answer.
     *
     * @throws IllegalStateException when no task holds the run here or it did not answer in time
     */
    public <R> R await(final String runId, final Function<T, R> question, final Duration timeout) {
        final CompletableFuture<R> answer = ask(runId, question).orElseThrow(() -> new IllegalStateException(
                "run '" + runId + "' is not held by this sampler instance (moving, or not loaded yet)"));
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the task holding run '" + runId + "' did not answer within " + timeout
                    + " (busy restoring or rebalancing); retry", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking about run '" + runId + "'", e);
        }
    }
}
