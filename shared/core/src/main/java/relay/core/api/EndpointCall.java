package relay.core.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.RequestTrace;

/**
 * One request to an {@link Endpoint} and the ways to answer it: a whole JSON answer, or a stream of
 * Server-Sent Events sent on one by one (the head goes with the first). It keeps what the client was
 * sent for the request log.
 */
public final class EndpointCall {
    private final ApiRequest request;
    private final String method;
    private final String path;
    private final RequestTrace trace;
    private final ResponseSink sink;
    private final Function<String, Map<String, String>> headers;
    private final java.util.function.UnaryOperator<ObjectNode> screen;
    private final StringBuilder logged = new StringBuilder();
    private boolean started;
    private boolean ended;
    private int status;
    private RelayException failure;

    /** @param screen the guardrails every parsed body goes through ({@link relay.core.guardrail.Guardrails#screen}) */
    EndpointCall(ApiRequest request, String method, String path, RequestTrace trace, ResponseSink sink,
                 Function<String, Map<String, String>> headers, java.util.function.UnaryOperator<ObjectNode> screen) {
        this.screen = screen;
        this.request = request;
        this.method = method;
        this.path = path;
        this.trace = trace;
        this.sink = sink;
        this.headers = headers;
    }

    public ApiRequest request() { return request; }

    /** The method in upper case. */
    public String method() { return method; }

    /** The path without {@code /v1} and trailing slashes. */
    public String path() { return path; }

    public RequestTrace trace() { return trace; }

    /** A header by its lower-case name, or null. */
    public String header(String name) {
        return request.header(name);
    }

    /** Refuses any other method with a 405 that names the allowed one. */
    public void requireMethod(String allowed) {
        if (!allowed.equals(method)) {
            throw new RelayException(ErrorKind.METHOD_NOT_ALLOWED, "Method " + method + " is not allowed on " + path
                    + "; use " + allowed + ".", null, Map.of("allow", allowed), null);
        }
    }

    /**
     * The request body (at most {@link RelayApi#MAX_BODY_BYTES}), parsed as one JSON object and screened by the
     * guardrails: what they mask is masked here, before anything is translated or sent.
     */
    public ObjectNode jsonBody() {
        byte[] body = request.body();
        if (body != null && body.length > RelayApi.MAX_BODY_BYTES) {
            throw new RelayException(ErrorKind.PAYLOAD_TOO_LARGE, "The request body is " + body.length
                    + " bytes; Relay accepts at most " + RelayApi.MAX_BODY_BYTES + " bytes.");
        }
        return screen.apply(relay.core.wire.RequestParser.parseObject(body));
    }

    /** Records the request's {@code user} and {@code metadata} (chat's fields) as the log's caller. */
    public void caller(ObjectNode userAndMetadata) {
        trace.caller(Callers.withRequest(trace.caller(), userAndMetadata));
    }

    /** Sends a whole JSON answer. */
    public void json(int status, Object body) {
        String text = body instanceof String s ? s : Json.write(body);
        this.status = status;
        if (logged.length() <= RequestTrace.MAX_LOGGED_BODY_CHARS) logged.append(text);
        ended = true;
        sink.send(new ApiResponse(status, headers.apply("application/json"), text));
    }

    /** Sends one Server-Sent Event at once: {@code event: name} and its data as JSON. */
    public void event(String name, Object data) {
        write("event: " + name + "\ndata: " + (data instanceof String s ? s : Json.write(data)) + "\n\n");
    }

    /** Whether any of a stream has gone out; after that a failure can only be an error event. */
    public boolean started() { return started; }

    /** Ends a stream. */
    public void end() {
        if (!started) write("");
        ended = true;
        sink.end();
    }

    /** A failure before anything went out: an error response in the endpoint's shape. */
    void error(RelayException e, Object body) {
        failure = e;
        Map<String, String> all = new LinkedHashMap<>(headers.apply("application/json"));
        all.putAll(e.headers());
        String text = Json.write(body);
        status = e.kind().status();
        if (logged.length() <= RequestTrace.MAX_LOGGED_BODY_CHARS) logged.append(text);
        ended = true;
        sink.send(new ApiResponse(status, all, text));
    }

    /**
     * A failure after the stream started: the endpoint's error event ends it (a client already gone is no
     * failure here). An endpoint whose error event depends on its stream's state sends it itself this way.
     */
    public void failStream(RelayException e, String errorEvent) {
        failure = e;
        trace.streamError(e.kind());
        try {
            write(errorEvent);
            ended = true;
            sink.end();
        } catch (RelayException gone) {
            if (gone.kind() != ErrorKind.CLIENT_CLOSED) throw gone;
        }
    }

    boolean ended() { return ended; }

    int status() { return status; }

    RelayException failure() { return failure; }

    String loggedBody() { return logged.toString(); }

    private void write(String text) {
        if (!started) {
            started = true;
            status = 200;
            Map<String, String> head = new LinkedHashMap<>(headers.apply("text/event-stream"));
            sink.head(200, head);
        }
        if (text.isEmpty()) return;
        if (logged.length() <= RequestTrace.MAX_LOGGED_BODY_CHARS) logged.append(text);
        sink.body(text.getBytes(StandardCharsets.UTF_8));
    }
}
