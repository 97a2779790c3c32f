package relay.local;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.wire.ErrorBody;

/**
 * The local server's own refusals, for requests RelayApi never sees (malformed HTTP, headers over the
 * limits, a request that stopped arriving): OpenAI's error JSON, as every other Relay error.
 */
final class HttpErrors {
    private HttpErrors() {}

    /** OpenAI's error body for {@code status}, with a type and code a client can branch on. */
    static String json(int status, String message) {
        ErrorBody body = switch (status) {
            case 408 -> of(message, ErrorKind.REQUEST_TIMEOUT);
            case 413 -> of(message, ErrorKind.PAYLOAD_TOO_LARGE);
            case 414 -> ErrorBody.of(message, "invalid_request_error", null, "uri_too_long");
            case 431 -> ErrorBody.of(message, "invalid_request_error", null, "request_header_fields_too_large");
            default -> status >= 500 ? of(message, ErrorKind.INTERNAL) : ErrorBody.of(message, "invalid_request_error", null, null);
        };
        return Json.write(body);
    }

    private static ErrorBody of(String message, ErrorKind kind) {
        return ErrorBody.of(message, kind.type(), null, kind.code());
    }

    /** Answers with the error and completes {@code callback} once it is written. */
    static void send(Response response, Callback callback, int status, String message) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(json(status, message).getBytes(StandardCharsets.UTF_8)), callback);
    }
}
