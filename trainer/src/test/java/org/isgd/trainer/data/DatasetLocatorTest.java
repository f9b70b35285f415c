package org.isgd.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.isgd.trainer.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetLocatorTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clearProperty() {
        System.clearProperty(DatasetLocator.SYSTEM_PROPERTY);
    }

    @Test
    void findsTheDirectoryNamedByIsgdData() {
        System.setProperty(DatasetLocator.SYSTEM_PROPERTY, TestData.sliceDir().toString());
        final DatasetLocator locator = DatasetLocator.fromEnvironment();
        assertEquals(TestData.sliceDir(), locator.candidates().get(0));
        assertEquals(TestData.sliceDir(), locator.locate());
    }

    @Test
    void skipsADirectoryMissingAFile() throws IOException {
        final Path partial = tmp.resolve("partial");
        Files.createDirectories(partial);
        Files.copy(TestData.sliceDir().resolve("train-images-idx3-ubyte.gz"), partial.resolve("train-images-idx3-ubyte.gz"));
        assertEquals(TestData.sliceDir(), new DatasetLocator(List.of(partial, TestData.sliceDir())).locate());
    }

    @Test
    void missingDataSaysWhereItLookedAndHowToGetIt() {
        final DatasetMissingException e = assertThrows(DatasetMissingException.class,
                () -> new DatasetLocator(List.of(tmp)).locate());
        assertTrue(e.getMessage().contains(tmp.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install -y dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains("ISGD_DATA"), e.getMessage());
        assertTrue(e.getMessage().contains("infra/isgd data fetch"), e.getMessage());
    }
}
