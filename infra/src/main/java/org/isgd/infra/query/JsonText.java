package org.isgd.infra.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** JSON values of the query API's answers as text, for tables and lists. */
public final class JsonText {
    private JsonText() {
    }

    /** The whole answer, indented. */
    public static String pretty(final JsonNode node) {
        try {
            return QueryClient.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A number with 4 significant digits, or "-". */
    public static String number(final JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.4g", value.asDouble()) : "-";
    }

    /** The value, or "-" when it is missing or null. */
    public static String orDash(final JsonNode value) {
        return value.isMissingNode() || value.isNull() ? "-" : value.asText();
    }

    /** An array's values, comma-separated. */
    public static String longs(final JsonNode array) {
        final List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return String.join(",", values);
    }
}
