package org.isgd.sampler.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** One HTTP answer: status, content type, body. Local answers and relayed ones look the same. */
record ApiResponse(int status, String contentType, byte[] body) {
    static final String JSON = "application/json; charset=utf-8";
    static final ObjectMapper MAPPER = new ObjectMapper();

    static ApiResponse json(final int status, final Object value) {
        try {
            return new ApiResponse(status, JSON, MAPPER.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    static ApiResponse ok(final Object value) {
        return json(200, value);
    }

    static ApiResponse error(final int status, final String message) {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        return json(status, body);
    }

    static ApiResponse text(final String contentType, final byte[] body) {
        return new ApiResponse(200, contentType, body);
    }

    /** The body as text, for logs and tests. */
    String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
