package org.isgd.sampler.api;

/** A request the API answers with an error status and a message that says what to do. */
final class ApiException extends RuntimeException {
    private final int status;

    ApiException(final int status, final String message) {
        super(message);
        this.status = status;
    }

    static ApiException badRequest(final String message) {
        return new ApiException(400, message);
    }

    static ApiException notFound(final String message) {
        return new ApiException(404, message);
    }

    static ApiException unavailable(final String message) {
        return new ApiException(503, message);
    }

    int status() {
        return status;
    }
}
