package relay.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import relay.core.api.AfterAnswer;
import relay.core.api.ApiRequest;
import relay.core.api.RelayApi;

/**
 * Relay over HTTP: each Jetty request becomes an {@link ApiRequest}, RelayApi answers into the
 * connection as it makes the answer, and the request's bookkeeping (cache store, request log) runs
 * once the client has the whole answer. Runs on a virtual thread per request, so it blocks freely.
 *
 * <p>A request that does not arrive in full (the client stopped sending, or hung up) never reaches
 * RelayApi: there is nothing to answer and nothing to log.
 */
final class RelayHandler extends Handler.Abstract {
    private final RelayApi api;

    RelayHandler(RelayApi api) {
        super(InvocationType.BLOCKING);
        this.api = api;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        // While RelayApi waits on a provider nothing is read or written: that is no idle client, so only a
        // read or write that is pending times out (a half-sent body, a client that stopped reading).
        request.addIdleTimeoutListener(timeout -> false);
        if (request.getHeaders().size() > LocalServer.MAX_HEADER_COUNT) {
            HttpErrors.send(response, callback, HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431, "The request has "
                    + request.getHeaders().size() + " header fields; Relay accepts at most " + LocalServer.MAX_HEADER_COUNT + ".");
            return true;
        }
        Map<String, String> query;
        try {
            query = query(request.getHttpURI().getQuery());
        } catch (IllegalArgumentException e) {
            HttpErrors.send(response, callback, HttpStatus.BAD_REQUEST_400,
                    "The query string is malformed: a '%' must start an escape of two hex digits, such as %20.");
            return true;
        }
        byte[] body;
        try {
            body = readAtMost(request, RelayApi.MAX_BODY_BYTES + 1);
        } catch (BodyNotReceived e) {
            callback.failed(e.reason()); // answered if the client still listens; the connection is closed
            return true;
        }
        ApiRequest apiRequest = new ApiRequest(UUID.randomUUID().toString(), request.getMethod(),
                request.getHttpURI().getPath(), headers(request), query, body, null);
        JettyResponseSink sink = new JettyResponseSink(response);
        AfterAnswer afterAnswer;
        try {
            afterAnswer = api.handle(apiRequest, sink);
        } catch (RuntimeException e) {
            callback.failed(e); // RelayApi answers every failure itself; this is a bug, answered 500 if nothing went out
            return true;
        }
        if (sink.ended()) {
            callback.succeeded();
        } else {
            // the client is gone (or, a bug, the answer was left open): drop the connection and whatever it holds
            callback.failed(sink.failure() != null ? sink.failure() : new IllegalStateException("answer not ended"));
        }
        afterAnswer.run(); // the client has its answer; it never waits for the log write
        return true;
    }

    /** Header names in lower case; a repeated header's values joined with ",", as HTTP allows. */
    static Map<String, String> headers(Request request) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (HttpField field : request.getHeaders()) {
            if (field.getName() == null || field.getValue() == null) continue;
            headers.merge(field.getName().toLowerCase(Locale.ROOT), field.getValue(), (a, b) -> a + "," + b);
        }
        return headers;
    }

    /** The query parameters, first value of each; a malformed escape throws IllegalArgumentException. */
    static Map<String, String> query(String raw) {
        Map<String, String> params = new HashMap<>();
        if (raw == null || raw.isEmpty()) return params;
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.putIfAbsent(name, value);
        }
        return params;
    }

    /**
     * Reads the body up to {@code limit} bytes (RelayApi answers 413 to a body of its limit plus one).
     * What comes beyond is read and dropped, up to {@link LocalServer#MAX_DRAINED_BYTES}, so that a client
     * still sending reads its 413 rather than a reset connection; past that Jetty closes the connection.
     */
    static byte[] readAtMost(Request request, int limit) throws BodyNotReceived {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        long dropped = 0;
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                try (Blocker.Runnable available = Blocker.runnable()) {
                    request.demand(available);
                    available.block();
                } catch (IOException e) {
                    throw new BodyNotReceived(e);
                }
                continue;
            }
            if (Content.Chunk.isFailure(chunk)) throw new BodyNotReceived(chunk.getFailure());
            ByteBuffer bytes = chunk.getByteBuffer();
            int kept = Math.min(bytes.remaining(), limit - body.size());
            byte[] piece = new byte[kept];
            bytes.get(piece);
            body.writeBytes(piece);
            dropped += bytes.remaining();
            boolean last = chunk.isLast();
            chunk.release();
            if (last || dropped > LocalServer.MAX_DRAINED_BYTES) return body.toByteArray();
        }
    }

    /** The body did not arrive in full: it stopped coming (the idle timeout), was cut short, or was malformed. */
    static final class BodyNotReceived extends Exception {
        BodyNotReceived(Throwable cause) {
            super(cause);
        }

        /** What the client is told, if it still listens: Jetty's own error, a 408 for a timeout, else a 400. */
        Throwable reason() {
            Throwable cause = getCause();
            for (Throwable t = cause; t != null; t = t.getCause()) {
                if (t instanceof HttpException || t instanceof TimeoutException) return t;
            }
            return new BadMessageException(HttpStatus.BAD_REQUEST_400, "the request body ended before its declared length", cause);
        }
    }
}
