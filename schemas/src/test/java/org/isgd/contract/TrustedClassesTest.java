package org.isgd.contract;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.avro.util.ClassSecurityValidator;
import org.isgd.schemas.RunSpec;
import org.junit.jupiter.api.Test;

class TrustedClassesTest {
    @Test
    void avroTrustsTheProjectsGeneratedClassesAndNothingElseThatItDidNotBefore() {
        AvroSerde.of(RunSpec.class); // installs the project's trust
        assertTrue(ClassSecurityValidator.getGlobal().isTrusted(RunSpec.class));
        assertFalse(ClassSecurityValidator.getGlobal().isTrusted(java.net.URLClassLoader.class));
        assertFalse(ClassSecurityValidator.getGlobal().isTrusted(org.apache.kafka.common.serialization.Serdes.class));
        assertFalse(ClassSecurityValidator.getGlobal().isTrusted(AvroSerde.class),
                "hand-written classes of the project are not Avro records and are not trusted");
    }
}
