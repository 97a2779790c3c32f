package relay.local;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own errors (a bad request line, headers over the size limit, a request that stopped
 * arriving, a handler failure) in OpenAI's error JSON instead of Jetty's HTML page. A 5xx says
 * nothing of its cause: that is Relay's business, not the client's.
 */
final class JsonErrorHandler extends ErrorHandler {
    private final Duration idleTimeout;

    JsonErrorHandler(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        String reason = (String) request.getAttribute(ERROR_MESSAGE);
        Throwable cause = (Throwable) request.getAttribute(ERROR_EXCEPTION);
        if (cause instanceof HttpException http) {
            status = http.getCode();
            reason = http.getReason();
        } else if (timedOut(cause)) {
            status = HttpStatus.REQUEST_TIMEOUT_408;
        }
        if (HttpStatus.hasNoBody(status)) {
            response.setStatus(status);
            callback.succeeded();
            return true;
        }
        generateCacheControl(response);
        HttpErrors.send(response, callback, status, message(status, reason));
        return true;
    }

    private String message(int status, String reason) {
        return switch (status) {
            case 408 -> "The request did not arrive in full: nothing came for " + idleTimeout.toSeconds()
                    + " s. Send the whole request at once.";
            case 413 -> "The request is too large.";
            case 414 -> "The request's URI is too long.";
            case 431 -> "The request's headers are too large: Relay accepts at most " + LocalServer.MAX_HEADER_BYTES
                    + " bytes of headers and " + LocalServer.MAX_HEADER_COUNT + " header fields.";
            default -> status >= 500 ? "Relay failed to handle the request."
                    : "Bad request" + (reason == null || reason.isBlank() ? "." : ": " + reason);
        };
    }

    private static boolean timedOut(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) return true;
        }
        return false;
    }
}
