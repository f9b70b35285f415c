package org.isgd.trainer.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Python client's own tests (trainer/python/tests, pytest), run by the Maven build so that
 * the README's test command covers them: its encodings against the contract's shared vectors,
 * its predictions against their definitions. Python is Debian's (/usr/bin/python3 with
 * python3-confluent-kafka, python3-avro, python3-numpy, python3-torch and python3-pytest), or
 * the interpreter named by ISGD_PYTHON.
 */
class PythonClientTest {
    static String python() {
        final String chosen = System.getenv("ISGD_PYTHON");
        if (chosen != null && !chosen.isBlank()) {
            return chosen;
        }
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    @Test
    void thePythonClientsUnitTestsPass() throws IOException, InterruptedException {
        final Path tests = Path.of("python", "tests").toAbsolutePath();
        assertTrue(Files.isDirectory(tests), "no Python tests at " + tests);
        final Path log = Files.createTempFile("pytest", ".log");
        final Process pytest = new ProcessBuilder(List.of(python(), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                tests.toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        final boolean finished = pytest.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            pytest.destroyForcibly();
        }
        final String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(output);
        assertTrue(finished, "pytest did not finish within 5 minutes:\n" + output);
        assertEquals(0, pytest.exitValue(), "the Python client's tests failed (install python3-pytest, "
                + "python3-confluent-kafka, python3-avro, python3-numpy and python3-torch):\n" + output);
    }
}
