package org.isgd.trainer.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Python client's own tests (trainer/python/tests, pytest), run by the Maven build so that
 * the README's test command covers them: its encodings against the contract's shared vectors,
 * its predictions against their definitions. Python is Debian's (/usr/bin/python3 with
 * python3-confluent-kafka, python3-avro, python3-numpy, python3-torch and python3-pytest), or
 * the interpreter named by ISGD_PYTHON ({@link PythonProcess}).
 */
class PythonClientTest {
    @Test
    void thePythonClientsUnitTestsPass() throws IOException, InterruptedException {
        final Path tests = Path.of("python", "tests").toAbsolutePath();
        assertTrue(Files.isDirectory(tests), "no Python tests at " + tests);
        final PythonProcess.Result pytest = PythonProcess.run(List.of("-m", "pytest", "-q", "-p", "no:cacheprovider",
                tests.toString()), Map.of(), Files.createTempFile("pytest", ".log"), Duration.ofMinutes(5));
        System.out.println(pytest.output());
        assertTrue(pytest.finished(), "pytest did not finish within 5 minutes:\n" + pytest.output());
        assertEquals(0, pytest.exitValue(), "the Python client's tests failed (install python3-pytest, "
                + "python3-confluent-kafka, python3-avro, python3-numpy and python3-torch):\n" + pytest.output());
    }
}
