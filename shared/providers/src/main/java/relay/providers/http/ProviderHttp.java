package relay.providers.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.Map;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.AnswerLimits;
import relay.core.provider.ProviderCall;

/**
 * The one way adapters talk HTTP: sends a request within the call's timeout, and turns every
 * failure (unreachable, timed out, non-2xx, unreadable) into a {@link RelayException} that names the
 * provider and holds no key.
 */
public final class ProviderHttp {
    private final HttpClient http;

    public ProviderHttp(HttpClient http) {
        this.http = http;
    }

    /** {@code provider (model)}, the prefix of every message about a call. */
    public static String label(String provider, ProviderCall<?> call) {
        return provider + " (" + call.deployment().providerModel() + ")";
    }

    /** POSTs {@code body} as JSON and returns the 2xx response's body as a stream; the caller closes it. */
    public InputStream postJson(String label, ProviderCall<?> call, URI uri, Map<String, String> headers, Object body) {
        return post(label, call, uri, headers, "application/json", Json.writeBytes(body));
    }

    /** POSTs raw bytes (for signed requests, whose body must be exactly what was signed). */
    public InputStream post(String label, ProviderCall<?> call, URI uri, Map<String, String> headers, String contentType, byte[] body) {
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(uri).timeout(call.timeout())
                    .header("content-type", contentType)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            headers.forEach(request::header);
        } catch (IllegalArgumentException e) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "The api_base or a header of deployment "
                    + call.deployment().id() + " is not valid.");
        }
        return send(label, call, request.build());
    }

    public InputStream get(String label, ProviderCall<?> call, URI uri, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(call.timeout()).GET();
        headers.forEach(request::header);
        return send(label, call, request.build());
    }

    private InputStream send(String label, ProviderCall<?> call, HttpRequest request) {
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            // The JDK reports the call's own timeout this way too when it runs out while connecting.
            boolean callTimedOut = http.connectTimeout().map(connect -> call.timeout().compareTo(connect) < 0).orElse(true);
            if (!callTimedOut) throw unreachable(label, call, e);
            throw new RelayException(ErrorKind.REQUEST_TIMEOUT, label + " did not answer within "
                    + call.timeout().toMillis() + " ms.", null, Map.of(), e);
        } catch (HttpTimeoutException e) {
            throw new RelayException(ErrorKind.REQUEST_TIMEOUT, label + " did not answer within "
                    + call.timeout().toMillis() + " ms.", null, Map.of(), e);
        } catch (IOException e) {
            throw unreachable(label, call, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RelayException(ErrorKind.PROVIDER_UNAVAILABLE, label + ": the call was interrupted.");
        }
        if (response.statusCode() / 100 == 2) return response.body();
        byte[] errorBody;
        try (InputStream in = response.body()) {
            errorBody = in.readNBytes(64 * 1024);
        } catch (IOException e) {
            errorBody = new byte[0];
        }
        throw ProviderErrors.from(label, response.statusCode(), errorBody, response.headers(), call.apiKey());
    }

    /** Reads a whole JSON response of {@code call}, at most {@link AnswerLimits#bodyBytes()} of it; see {@link #readJson(String, InputStream, long)}. */
    public static JsonNode readJson(String label, ProviderCall<?> call, InputStream body) {
        return readJson(label, body, call.limits().bodyBytes());
    }

    /**
     * Reads a whole JSON response; unreadable JSON is the provider's fault (502), and so is one longer than
     * {@code maxBytes} (the read stops there and the connection is closed). The call's timeout can also run out
     * while the body is read (the JDK then fails the read): that is a timeout (408).
     */
    public static JsonNode readJson(String label, InputStream body, long maxBytes) {
        try (InputStream limited = new BoundedInputStream(body, maxBytes)) {
            JsonNode node = LEAVING_OPEN.readTree(limited);
            if (node == null || node.isMissingNode()) throw malformed(label);
            finish(limited);
            return node;
        } catch (BoundedInputStream.LimitExceededException e) {
            throw tooLarge(label, "an answer", maxBytes, "max_response_size_mb");
        } catch (HttpTimeoutException e) {
            throw new RelayException(ErrorKind.REQUEST_TIMEOUT, label + " did not finish its answer in time.", null, Map.of(), e);
        } catch (IOException e) {
            throw malformed(label);
        }
    }

    /** Reads JSON without closing the stream at the root value's end, so that {@link #finish} can read on to the body's. */
    private static final ObjectReader LEAVING_OPEN = Json.MAPPER.reader().without(JsonParser.Feature.AUTO_CLOSE_SOURCE);

    /** The most {@link #finish} reads past an answer's end; a body with more after it goes with its connection. */
    static final int MOST_PAST_THE_END = 64 * 1024;

    /**
     * Reads what is left of an answer after its end (a JSON answer's trailing newline, the last chunk after a stream's
     * last event) so that its connection goes back to the pool. Closed before that, a body takes its HTTP/1.1
     * connection with it, and the next call connects again (with TLS, a new handshake): a JSON parser stops at the
     * closing brace and a stream's reader at its last event, which over TLS left a fifth of the answers and nearly half
     * of the streams on a fresh connection. Never fails: the answer is whole either way. A body with more than
     * {@link #MOST_PAST_THE_END} after its end is closed with its connection, and one that does not end is waited for
     * only until the attempt's watch interrupts the thread at its time limit.
     */
    static void finish(InputStream body) {
        byte[] skipped = new byte[1024];
        try {
            for (int total = 0, n; total <= MOST_PAST_THE_END && (n = body.read(skipped)) >= 0; ) total += n;
        } catch (IOException e) {
            // the answer is complete; only the connection's reuse is lost
        }
    }

    /**
     * Reads {@code call}'s event stream with {@link ServerSentEvents#read}, each event at most
     * {@link AnswerLimits#eventBytes()}: a larger one, or a broken connection, fails as the provider's fault (502)
     * after the events before it. Returns true when the listener ended the stream (a complete one).
     */
    public static boolean readEvents(String label, ProviderCall<?> call, InputStream events, ServerSentEvents.Listener listener) {
        int limit = call.limits().eventBytes();
        try {
            return ServerSentEvents.read(events, limit, listener);
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof BoundedInputStream.LimitExceededException) {
                throw tooLarge(label, "a stream event", limit, "max_stream_event_size_mb");
            }
            throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " broke off its stream: "
                    + ProviderErrors.message(String.valueOf(e.getCause().getMessage()), call.apiKey(), false));
        }
    }

    /** A provider's answer (or a piece of it) over Relay's limit: the provider's fault, named, with the setting that governs it. */
    public static RelayException tooLarge(String label, String what, long limitBytes, String setting) {
        return new RelayException(ErrorKind.PROVIDER_ERROR, label + " sent " + what + " larger than "
                + AnswerLimits.describe(limitBytes) + ", the most Relay reads (general_settings." + setting + ").");
    }

    /** One stream event's data as the JSON object it must be; anything else is the provider's malformed answer (502). */
    public static JsonNode eventObject(String label, String data) {
        try {
            JsonNode node = Json.MAPPER.readTree(data);
            if (node == null || !node.isObject()) throw malformed(label);
            return node;
        } catch (IOException e) {
            throw malformed(label);
        }
    }

    public static RelayException malformed(String label) {
        return new RelayException(ErrorKind.PROVIDER_ERROR, label + " returned a response Relay could not read.");
    }

    public static RelayException unreachable(String label, ProviderCall<?> call, Throwable cause) {
        String reason = cause == null ? "I/O error"
                : cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        return new RelayException(ErrorKind.PROVIDER_UNAVAILABLE, "Could not reach " + label + ": "
                + ProviderErrors.message(reason, call.apiKey(), false), null, Map.of(), cause);
    }

    /**
     * Whether {@code url} names a host elsewhere: false for null, and for this machine (localhost, 127.0.0.0/8,
     * ::1, 0.0.0.0), which a provider's default address must never be for a client to reach it by a name alone.
     */
    public static boolean publicAddress(String url) {
        if (url == null) return false;
        String host;
        try {
            host = URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (host == null) return false;
        host = host.toLowerCase(java.util.Locale.ROOT);
        return !(host.equals("localhost") || host.endsWith(".localhost") || host.startsWith("127.") || host.equals("0.0.0.0")
                || host.equals("[::1]") || host.equals("::1") || host.equals("[::]"));
    }

    /** The deployment's {@code api_base}, else the provider's default, without a trailing slash. */
    public static String base(ProviderCall<?> call, String defaultBase) {
        String base = call.deployment().apiBase() == null || call.deployment().apiBase().isBlank()
                ? defaultBase : call.deployment().apiBase();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }
}
