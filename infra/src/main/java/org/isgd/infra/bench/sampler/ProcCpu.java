package org.isgd.infra.bench.sampler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.isgd.infra.common.UsageException;

/**
 * CPU time from /proc (Linux): of one process, and of the whole machine. Over a measuring window
 * it says how many cores a sampler actually got, and how busy the machine was with everything
 * else, which on a shared 2-core machine explains many a missed target.
 */
final class ProcCpu {
    /** USER_HZ: the unit of /proc's CPU times; 100 on every mainstream Linux. */
    private static final double TICKS_PER_SECOND = 100;

    private ProcCpu() {
    }

    /** User + system CPU seconds of a process so far (/proc/PID/stat fields 14 and 15). */
    static double processSeconds(final long pid) {
        final String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    }

    /** CPU seconds the machine spent busy so far, summed over cores (/proc/stat: all but idle and iowait). */
    static double machineBusySeconds() {
        final String[] fields = read(Path.of("/proc/stat")).lines().findFirst().orElseThrow().trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < fields.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
            if (i != 4 && i != 5) {
                busy += Long.parseLong(fields[i]);
            }
        }
        return busy / TICKS_PER_SECOND;
    }

    private static String read(final Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + " (the benchmark needs Linux /proc): " + e.getMessage());
        }
    }
}
