package org.isgd.contract;

import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate;

/**
 * Avro 1.12 instantiates only classes it trusts while decoding. isgd adds exactly its own
 * generated package to whatever the process already trusts (Avro's defaults and the
 * {@code org.apache.avro.SERIALIZABLE_*} system properties); nothing else is opened up.
 */
final class TrustedClasses {
    static final String PROJECT_PACKAGE = "org.isgd.schemas";
    private static boolean installed;

    private TrustedClasses() {
    }

    static synchronized void allowProjectClasses() {
        if (installed) {
            return;
        }
        final ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
        final ClassSecurityPredicate project = type -> type.getPackageName().startsWith(PROJECT_PACKAGE);
        ClassSecurityValidator.setGlobal(type -> project.isTrusted(type) || previous.isTrusted(type));
        installed = true;
    }
}
