package org.isgd.infra.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RepoPathsTest {
    private final RepoPaths repo = new RepoPaths(Path.of("/work/isgd"));

    @Test
    void pathsUnderTheRepositoryAreRecordedRelativeToIt() {
        assertEquals("docs/results/sampler", repo.relative(Path.of("/work/isgd/docs/results/sampler")));
        assertEquals("docs/results", repo.relative(Path.of("/work/isgd/infra/../docs/results")));
        assertEquals(".", repo.relative(Path.of("/work/isgd")));
        assertEquals("/work/isgd2/docs", repo.relative(Path.of("/work/isgd2/docs")));
        assertEquals("/root/.isgd/bench", repo.relative(Path.of("/root/.isgd/bench")));
        assertEquals("/tmp/x", new RepoPaths(null).relative(Path.of("/tmp/x")));
    }

    @Test
    void aCommandLineNamesPathsUnderTheRepositoryRelatively() {
        assertEquals("isgd bench accuracy --seeds 0 --out docs/results",
                repo.command(List.of("bench", "accuracy", "--seeds", "0", "--out", "/work/isgd/docs/results")));
        assertEquals("isgd bench sampler --out=docs/results/sampler --work-dir /root/.isgd/w --sampler-arg=--threads=2",
                repo.command(List.of("bench", "sampler", "--out=/work/isgd/docs/results/sampler", "--work-dir",
                        "/root/.isgd/w", "--sampler-arg=--threads=2")));
        assertEquals("isgd bench accuracy --out docs/results", repo.command(List.of("bench", "accuracy", "--out",
                "docs/results")));
    }

    @Test
    void messagesLoseTheRepositorysPath() {
        assertEquals("sampler-0 exited; its log docs/results/sampler/s/n1-i1/sampler-0.log ends with: ... "
                + "(state in /root/.isgd/bench/sampler-work)", repo.text("sampler-0 exited; its log "
                + "/work/isgd/docs/results/sampler/s/n1-i1/sampler-0.log ends with: ... (state in "
                + "/root/.isgd/bench/sampler-work)"));
    }

    @Test
    void theRepositoryOfTheseClassesIsFound() {
        final Path launcher = Files.isRegularFile(Path.of("isgd")) ? Path.of("isgd") : Path.of("infra", "isgd"); // in infra/
        assertEquals(Path.of("infra", "isgd").toString(), RepoPaths.here().relative(launcher.toAbsolutePath()));
    }
}
