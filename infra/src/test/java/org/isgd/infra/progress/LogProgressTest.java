package org.isgd.infra.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The plain progress lines of a log, driven by a fake clock. */
class LogProgressTest {
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private LogProgress progress(final String task, final long max, final String unit, final boolean speed) {
        return new LogProgress(task, max, unit, speed, new PrintStream(bytes, true, StandardCharsets.UTF_8), clock::get,
                Duration.ofSeconds(5));
    }

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private void advance(final double seconds) {
        clock.addAndGet((long) (seconds * SECOND));
    }

    @Test
    void oneLineEveryFiveSecondsAtMostAndOneAtTheEnd() {
        try (LogProgress train = progress("train", 1400, "batches", true)) {
            for (int step = 1; step <= 1400; step++) {
                advance(0.05); // 20 batches/s: 70 s in all
                train.stepTo(step);
                train.setExtraMessage(" loss 0.412 [importance]");
            }
        }
        final List<String> lines = lines();
        assertEquals(14, lines.size(), String.join("\n", lines)); // at 5, 10, ..., 65 s, and the last at 70 s
        assertEquals("train 100/1400 batches (7%), 20.0 batches/s, ETA 1:05 | loss 0.412 [importance]", lines.get(0));
        assertEquals("train 1200/1400 batches (85%), 20.0 batches/s, ETA 0:10 | loss 0.412 [importance]", lines.get(11));
        assertEquals("train 1400/1400 batches (100%), 20.0 batches/s, in 1:10 | loss 0.412 [importance]",
                lines.get(lines.size() - 1));
    }

    @Test
    void nothingIsPrintedBetweenTwoLinesHoweverManyStepsCome() {
        final LogProgress register = progress("register", 60_000, "samples", true);
        for (int i = 0; i < 59_999; i++) {
            register.step(); // no time passes
        }
        assertEquals(List.of(), lines());
        advance(4.9);
        register.step();
        assertEquals(List.of(), lines());
        advance(0.1);
        register.setExtraMessage("ignored until a step");
        assertEquals(List.of(), lines());
        register.close();
        register.close();
        assertEquals(List.of("register 60000/60000 samples (100%), 12,000 samples/s, in 0:05 | ignored until a step"),
                lines());
    }

    @Test
    void aSilenceLongerThanTheIntervalGivesOneLineAtTheNextStep() {
        final LogProgress grid = progress("grid", 1000, "batches", true);
        advance(60);
        grid.stepTo(250);
        advance(600);
        grid.stepTo(500);
        assertEquals(List.of("grid 250/1000 batches (25%), 4.2 batches/s, ETA 3:00",
                "grid 500/1000 batches (50%), 0.8 batches/s, ETA 11:00"), lines());
    }

    @Test
    void aTimerShowsNoSpeed() {
        try (LogProgress timer = progress("updates", 30, "s", false)) {
            for (int s = 1; s <= 30; s++) {
                advance(1);
                timer.stepTo(s);
                timer.setExtraMessage(String.format(Locale.ROOT, " predictions_applied %,d/s", 250_000 + s));
            }
        }
        assertEquals(List.of("updates 5/30 s (16%), ETA 0:25 | predictions_applied 250,004/s",
                "updates 10/30 s (33%), ETA 0:20 | predictions_applied 250,009/s",
                "updates 15/30 s (50%), ETA 0:15 | predictions_applied 250,014/s",
                "updates 20/30 s (66%), ETA 0:10 | predictions_applied 250,019/s",
                "updates 25/30 s (83%), ETA 0:05 | predictions_applied 250,024/s",
                "updates 30/30 s (100%), in 0:30 | predictions_applied 250,030/s"), lines());
    }

    @Test
    void longDurationsShowHours() {
        assertEquals("0:07", LogProgress.clock(7.4));
        assertEquals("12:30", LogProgress.clock(750));
        assertEquals("1:02:03", LogProgress.clock(3723));
    }
}
