package org.isgd.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.isgd.schemas.DeadLetter;
import org.isgd.schemas.IndexBatch;
import org.isgd.schemas.IrreducibleLosses;
import org.isgd.schemas.PredictionBatch;
import org.isgd.schemas.RunSpec;
import org.isgd.schemas.SamplePrediction;
import org.isgd.schemas.SampleRegistered;
import org.isgd.schemas.TrainerProgress;
import org.junit.jupiter.api.Test;

/**
 * The writer-schema fingerprints clients recognise records by. A schema that changes gets a new
 * fingerprint: this test then fails until the previous version is kept in the history (so that
 * records written with it stay readable) and the contract document lists the new one.
 */
class ContractFingerprintsTest {
    /** Current schemas. */
    private static final Map<Schema, String> CURRENT = new LinkedHashMap<>();
    /** Every version kept in the history, by file. */
    private static final Map<String, String> HISTORY = Map.of(
            "RunSpec.v1", "b36946dd964e825a",
            "SamplePrediction.v1", "46971436c28446a2");

    static {
        CURRENT.put(SampleRegistered.getClassSchema(), "cab758bba90f0b02");
        CURRENT.put(RunSpec.getClassSchema(), "e9cb7e0f7083a4bd");
        CURRENT.put(PredictionBatch.getClassSchema(), "de3ec8e4dc8b6112");
        CURRENT.put(IndexBatch.getClassSchema(), "87093d359c1dd49f");
        CURRENT.put(DeadLetter.getClassSchema(), "e787902b4bcf5426");
        CURRENT.put(SamplePrediction.getClassSchema(), "64554711a86986f7");
        CURRENT.put(TrainerProgress.getClassSchema(), "69420b733aeb353a");
        CURRENT.put(IrreducibleLosses.getClassSchema(), "d8a9105cf6e2450b");
    }

    private static String hex(final Schema schema) {
        return String.format("%016x", SchemaNormalization.parsingFingerprint64(schema));
    }

    @Test
    void everySchemaHasTheFingerprintClientsKnowItBy() {
        CURRENT.forEach((schema, fingerprint) -> assertEquals(fingerprint, hex(schema), schema.getName()
                + " changed: keep the previous version in schemas/src/main/resources/org/isgd/schemas/history/ and "
                + "list the new fingerprint here and in docs/contract.md"));
    }

    @Test
    void theHistoryKeepsEveryEarlierVersionAndTheSerdesReadThem() {
        int kept = 0;
        for (final String name : List.of("RunSpec", "SamplePrediction", "IndexBatch", "PredictionBatch",
                "TrainerProgress", "SampleRegistered", "DeadLetter", "IrreducibleLosses")) {
            final List<Schema> history = AvroSerde.history(name);
            for (int v = 0; v < history.size(); v++) {
                assertEquals(HISTORY.get(name + ".v" + (v + 1)), hex(history.get(v)), name + ".v" + (v + 1));
                kept++;
            }
        }
        assertEquals(HISTORY.size(), kept);
    }

    @Test
    void theContractDocumentListsEveryFingerprint() throws IOException {
        final Path doc = Path.of("..", "docs", "contract.md");
        assertTrue(Files.exists(doc), "docs/contract.md, from " + Path.of("").toAbsolutePath());
        final String text = Files.readString(doc);
        CURRENT.forEach((schema, fingerprint) -> assertTrue(text.contains("`" + schema.getName() + "` | `" + fingerprint
                + "`"), "docs/contract.md lists " + schema.getName() + " as " + fingerprint));
        HISTORY.values().forEach(fingerprint -> assertTrue(text.contains(fingerprint), "docs/contract.md lists "
                + fingerprint));
    }
}
