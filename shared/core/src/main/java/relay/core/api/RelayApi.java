package relay.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import relay.core.Json;
import relay.core.access.VirtualKeys;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.Gateway;
import relay.core.gateway.RequestTrace;
import relay.core.log.Diagnostics;
import relay.core.log.RequestLog;
import relay.core.log.RequestLogStore;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.ModelRouter;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.EmbeddingResponse;
import relay.core.wire.ErrorBody;
import relay.core.wire.ModelList;
import relay.core.wire.RequestParser;
import relay.core.wire.TextCompletions;

/**
 * Relay's HTTP surface: routes, authentication, parsing, and turning every outcome (answers and
 * failures alike) into an OpenAI-shaped response plus one request log record.
 */
public final class RelayApi {
    /** Lambda's synchronous payload limit; a larger body could never have reached the function. */
    public static final int MAX_BODY_BYTES = 6 * 1024 * 1024;
    /**
     * The longest a request may run when its transport sets no deadline: a Lambda's own limit (the
     * runtime loop passes the function's remaining time, which is sooner).
     */
    public static final Duration MAX_TIME_LIMIT = Duration.ofMinutes(15);

    private enum Route { HEALTH, CHAT, COMPLETIONS, EMBEDDINGS, MODELS }

    private static final Map<String, Route> ROUTES = Map.of(
            "/health", Route.HEALTH,
            "/chat/completions", Route.CHAT,
            "/completions", Route.COMPLETIONS,
            "/embeddings", Route.EMBEDDINGS,
            "/models", Route.MODELS);

    private final Gateway gateway;
    private final ModelRouter router;
    private final Authenticator authenticator;
    private final RequestLogStore logs;
    private final Clock clock;
    private final Duration logRetention;
    private final boolean logMessages;
    private final VirtualKeys virtualKeys;
    /** APIs beyond OpenAI's own routes, set while wiring ({@link #withEndpoints}). */
    private volatile List<Endpoint> endpoints = List.of();
    /** The configured guardrails, run on every request body as it is parsed ({@link #withGuardrails}). */
    private volatile relay.core.guardrail.Guardrails guardrails = relay.core.guardrail.Guardrails.NONE;

    public RelayApi(Gateway gateway, ModelRouter router, Authenticator authenticator, RequestLogStore logs,
                    Clock clock, Duration logRetention) {
        this(gateway, router, authenticator, logs, clock, logRetention, true);
    }

    /** @param logMessages false for {@code litellm_settings.turn_off_message_logging}: no bodies in the request log */
    public RelayApi(Gateway gateway, ModelRouter router, Authenticator authenticator, RequestLogStore logs,
                    Clock clock, Duration logRetention, boolean logMessages) {
        this(gateway, router, authenticator, logs, clock, logRetention, logMessages, VirtualKeys.off());
    }

    /** @param virtualKeys LiteLLM's virtual keys, teams and budgets; {@link VirtualKeys#off()} for the master key alone */
    public RelayApi(Gateway gateway, ModelRouter router, Authenticator authenticator, RequestLogStore logs,
                    Clock clock, Duration logRetention, boolean logMessages, VirtualKeys virtualKeys) {
        this.virtualKeys = virtualKeys;
        this.logMessages = logMessages;
        this.gateway = gateway;
        this.router = router;
        this.authenticator = authenticator;
        this.logs = logs;
        this.clock = clock;
        this.logRetention = logRetention;
    }

    /** Adds APIs beyond OpenAI's own routes (Anthropic's Messages, OpenAI's Responses); called while wiring, before serving. */
    public RelayApi withEndpoints(List<? extends Endpoint> more) {
        List<Endpoint> all = new ArrayList<>(endpoints);
        all.addAll(more);
        endpoints = List.copyOf(all);
        return this;
    }

    /** Sets the guardrails every request body goes through before it is routed; called while wiring, before serving. */
    public RelayApi withGuardrails(relay.core.guardrail.Guardrails configured) {
        guardrails = configured;
        return this;
    }

    /** The request body as Relay may use it: parsed, then screened by the guardrails (masked, or refused). */
    private com.fasterxml.jackson.databind.node.ObjectNode screened(byte[] body, RequestTrace trace) {
        return guardrails.screen(RequestParser.parseObject(body), trace);
    }

    /**
     * Runs the request path once without I/O (no provider, no key store, no log), so classes are
     * loaded and code is warm: before a SnapStart snapshot, this moves that cost out of every restore.
     */
    public void prime() {
        String body = "{\"model\":\"relay-priming\",\"messages\":[{\"role\":\"system\",\"content\":\"s\"},"
                + "{\"role\":\"user\",\"content\":\"hello\"}],\"temperature\":0.5,\"mock_response\":\"primed\"}";
        for (boolean stream : new boolean[] {false, true}) {
            var trace = new RequestTrace("priming", clock.instant(), "POST /v1/chat/completions");
            trace.deadline(clock.instant().plus(MAX_TIME_LIMIT));
            ChatCompletionRequest chat = RequestParser.chat(RequestParser.parseObject(
                    (stream ? body.replace("}", ",\"stream\":true}") : body).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            if (stream) stream(chat, trace, new BufferedSink(), chunk -> chunk); else json(200, gateway.chat(chat, trace), trace);
            trace.finish(200, null, null, null, false, logRetention);
        }
        error(RelayException.invalid("model", "priming"), new RequestTrace("priming", clock.instant(), "GET /"));
    }

    /**
     * Answers the request whole, then does its bookkeeping: for transports that cannot stream, and for tests. Such a
     * transport can only answer once this returns, so an {@link Error} the request raised is answered (a 500) and
     * reported, not rethrown; a transport that can rethrow it uses {@link #handle(ApiRequest, ResponseSink)}.
     */
    public ApiResponse handle(ApiRequest request) {
        BufferedSink buffer = new BufferedSink();
        try {
            handle(request, buffer).run();
        } catch (Error answered) {
            Diagnostics.warn("fatal_error_answered", "request_id", request.requestId(), "error", answered.getClass().getName());
        }
        return buffer.response();
    }

    /**
     * Answers the request into {@code sink}, streamed as the provider streams, and returns what is left
     * to do once the client has the whole answer (the cache store and the request log record), so that
     * no client waits for either. The transport runs it after its answer is out.
     */
    public AfterAnswer handle(ApiRequest request, ResponseSink sink) {
        String method = request.method() == null ? "" : request.method().toUpperCase(java.util.Locale.ROOT);
        RequestTrace trace = new RequestTrace(request.requestId(), clock.instant(), method + " " + request.path());
        trace.deadline(answerDeadline(request.deadline()));
        trace.caller(Callers.fromHeaders(request.header("authorization")));
        TrackedSink tracked = new TrackedSink(sink);
        Sent sent;
        Error fatal = null;
        try {
            sent = send(tracked, dispatch(method, request, trace, tracked));
        } catch (RelayException e) {
            sent = e.kind() == ErrorKind.CLIENT_CLOSED ? Sent.clientGone(e) : send(tracked, error(e, trace), e);
        } catch (RuntimeException e) {
            RelayException internal = internal(e, trace);
            sent = send(tracked, error(internal, trace), internal);
        } catch (Error e) {
            fatal = e;
            sent = answerFatal(e, trace, tracked);
        }
        AfterAnswer bookkeeping = trace.logged() ? bookkeeping(trace, sent) : trace::runAfterAnswer;
        if (fatal == null) return bookkeeping;
        Error raised = fatal;
        return () -> {
            bookkeeping.run();
            throw raised;
        };
    }

    /** The cache store and the log record, once the answer is out; never throws. */
    private AfterAnswer bookkeeping(RequestTrace trace, Sent sent) {
        RequestLog record = trace.finish(sent.status(), sent.failure(), sent.failureMessage(), sent.body(), logMessages, logRetention);
        return () -> {
            trace.runAfterAnswer();
            try {
                logs.write(record);
            } catch (RuntimeException e) {
                Diagnostics.warn("request_log_failed", "request_id", trace.requestId(), "error", e.getClass().getName());
            }
        };
    }

    /**
     * The answer to a JVM {@link Error} on the request path (an OutOfMemoryError, a StackOverflowError): a 500 while
     * nothing was sent, else an error event ending a stream; best effort, as the process may still be short of memory.
     */
    private Sent answerFatal(Error e, RequestTrace trace, TrackedSink sink) {
        RelayException internal = internal(e, trace);
        try {
            if (!sink.started()) return send(sink, error(internal, trace), internal);
            trace.streamError(ErrorKind.INTERNAL);
            if (sink.streaming() && !sink.ended()) {
                sink.body("data: " + Json.write(errorBody(internal)) + "\n\n");
                sink.end();
            }
        } catch (RuntimeException | Error unanswerable) {
            // the client may be gone, or memory still short: the record is what matters now
        }
        return new Sent(sink.status(), ErrorKind.INTERNAL, internal.getMessage(), null);
    }

    /** The transport's sink, remembering what went out: whether a head was sent (and which), and whether it ended. */
    private static final class TrackedSink implements ResponseSink {
        private final ResponseSink sink;
        private int status;
        private boolean streaming;
        private boolean ended;

        TrackedSink(ResponseSink sink) {
            this.sink = sink;
        }

        boolean started() {
            return status != 0;
        }

        int status() {
            return status;
        }

        boolean streaming() {
            return streaming;
        }

        boolean ended() {
            return ended;
        }

        @Override
        public void head(int status, Map<String, String> headers) {
            this.status = status;
            this.streaming = "text/event-stream".equals(headers.get("content-type"));
            sink.head(status, headers);
        }

        @Override
        public void body(byte[] bytes) {
            sink.body(bytes);
        }

        @Override
        public void body(String text) {
            sink.body(text);
        }

        @Override
        public void end() {
            ended = true;
            sink.end();
        }

        @Override
        public void send(ApiResponse response) {
            status = response.status();
            ended = true;
            sink.send(response); // the transport's own whole-answer path (it may send a content length)
        }
    }

    /** The most kept free before a transport's own deadline; see {@link #answerDeadline}. */
    static final Duration TRANSPORT_MARGIN = Duration.ofMillis(750);

    /**
     * When the answer must be out, given the transport's deadline (a Lambda's end; null: none, then
     * {@link #MAX_TIME_LIMIT}): a little before it, a tenth of the time left and at most {@link #TRANSPORT_MARGIN},
     * because the transport's deadline is a hard stop and the answer must still reach the client, and its record
     * the log, before it. The request's own {@code timeout} is the client's budget for the answer itself: it takes
     * no margin (the log is written after the answer).
     */
    private Instant answerDeadline(Instant transportDeadline) {
        Instant now = clock.instant();
        Instant latest = now.plus(MAX_TIME_LIMIT);
        Instant end = transportDeadline == null || transportDeadline.isAfter(latest) ? latest : transportDeadline;
        Duration left = Duration.between(now, end);
        if (left.isNegative()) return end;
        Duration margin = left.dividedBy(10);
        return end.minus(margin.compareTo(TRANSPORT_MARGIN) < 0 ? margin : TRANSPORT_MARGIN);
    }

    /** A bug, not the client's fault: say so without details, keep the details in our logs. */
    private static RelayException internal(Throwable e, RequestTrace trace) {
        Diagnostics.warn(e instanceof Error ? "fatal_error" : "unhandled_error", "request_id", trace.requestId(),
                "error", e.getClass().getName());
        return new RelayException(ErrorKind.INTERNAL, "Relay failed to handle the request (request id " + trace.requestId() + ").");
    }

    /** What the client was sent, as the request log records it. */
    private record Sent(int status, ErrorKind failure, String failureMessage, String body) {
        static Sent clientGone(RelayException e) {
            return new Sent(e.kind().status(), e.kind(), e.getMessage(), null);
        }
    }

    /** Sends a whole answer (null: the route streamed its answer itself). */
    private static Sent send(ResponseSink sink, Answer answer) {
        if (answer instanceof Answer.Streamed streamed) return streamed.sent();
        ApiResponse response = ((Answer.Whole) answer).response();
        return send(sink, response, null);
    }

    private static Sent send(ResponseSink sink, ApiResponse response, RelayException failure) {
        try {
            sink.send(response);
        } catch (RelayException e) {
            if (e.kind() != ErrorKind.CLIENT_CLOSED) throw e;
            return Sent.clientGone(e);
        }
        return failure == null ? new Sent(response.status(), null, null, response.body())
                : new Sent(response.status(), failure.kind(), failure.getMessage(), response.body());
    }

    /** A route's answer: whole, to be sent, or already streamed to the sink. */
    private sealed interface Answer {
        record Whole(ApiResponse response) implements Answer {}
        record Streamed(Sent sent) implements Answer {}
    }

    private Answer dispatch(String method, ApiRequest request, RequestTrace trace, ResponseSink sink) {
        String path = normalize(request.path());
        switch (path) {
            case "/spend/logs" -> { return new Answer.Whole(spendLogs(method, request, trace)); }
            case "/cache/delete" -> { return new Answer.Whole(deleteCached(method, request, trace)); }
            case "/cache/ping" -> { return new Answer.Whole(pingCache(method, request, trace)); }
            default -> { }
        }
        if (VirtualKeys.isAdminPath(path)) return new Answer.Whole(keyAdmin(method, path, request, trace));
        for (Endpoint endpoint : endpoints) {
            if (endpoint.serves(path)) return endpoint(endpoint, path, method, request, trace, sink);
        }
        if (path.startsWith("/models/")) return new Answer.Whole(model(method, path.substring("/models/".length()), request, trace));
        Route route = ROUTES.get(path);
        if (route == null) {
            throw new RelayException(ErrorKind.NOT_FOUND, "Unknown path '" + printable(request.path())
                    + "'. Relay serves /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/messages, /v1/responses, /v1/models and /health.");
        }
        String allowed = route == Route.HEALTH || route == Route.MODELS ? "GET" : "POST";
        if (!allowed.equals(method)) {
            throw new RelayException(ErrorKind.METHOD_NOT_ALLOWED, "Method " + printable(method) + " is not allowed on "
                    + printable(request.path()) + "; use " + allowed + ".", null, Map.of("allow", allowed), null);
        }
        if (route == Route.HEALTH) return new Answer.Whole(health(trace));
        authenticate(request.header("authorization"), path, trace);
        if (request.body() != null && request.body().length > 0 && request.body().length <= MAX_BODY_BYTES) {
            trace.requestBody(new String(request.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return switch (route) {
            case MODELS -> new Answer.Whole(json(200, ModelList.of(router.models().stream()
                    .filter(model -> trace.gate().mayUse(model.id())).toList()), trace));
            case CHAT -> chat(request, trace, sink);
            case COMPLETIONS -> completions(request, trace, sink);
            case EMBEDDINGS -> new Answer.Whole(embeddings(request, trace));
            case HEALTH -> throw new IllegalStateException("handled above");
        };
    }

    /**
     * A request to an added API: its own place for the key, its own error shape and stream framing;
     * authentication, the log and the answer's headers as for every route.
     */
    private Answer endpoint(Endpoint endpoint, String path, String method, ApiRequest request, RequestTrace trace, ResponseSink sink) {
        EndpointCall call = new EndpointCall(request, method, path, trace, sink, contentType -> headers(trace, contentType),
                body -> guardrails.screen(body, trace));
        try {
            String authorization = endpoint.authorization(request);
            trace.caller(Callers.fromHeaders(authorization));
            authenticate(authorization, path, trace);
            if (request.body() != null && request.body().length > 0 && request.body().length <= MAX_BODY_BYTES) {
                trace.requestBody(new String(request.body(), java.nio.charset.StandardCharsets.UTF_8));
            }
            endpoint.answer(call);
            if (!call.ended()) throw new IllegalStateException("endpoint left its answer unfinished");
        } catch (RuntimeException e) {
            RelayException failure = e instanceof RelayException r ? r : internal(e, trace);
            if (failure.kind() == ErrorKind.CLIENT_CLOSED) throw failure;
            if (call.started()) call.failStream(failure, endpoint.errorEvent(failure));
            else call.error(failure, endpoint.errorBody(failure));
        }
        RelayException failure = call.failure();
        return new Answer.Streamed(new Sent(call.status(), failure == null ? null : failure.kind(),
                failure == null ? null : failure.getMessage(), call.loggedBody()));
    }

    /** OpenAI's {@code GET /models/{model}}: one model the caller may use, else a 404 naming it. */
    private ApiResponse model(String method, String encodedId, ApiRequest request, RequestTrace trace) {
        if (!method.equals("GET")) {
            throw new RelayException(ErrorKind.METHOD_NOT_ALLOWED, "Use GET on /v1/models/{model}.", null, Map.of("allow", "GET"), null);
        }
        authenticate(request.header("authorization"), "/models/" + encodedId, trace);
        String id;
        try {
            id = java.net.URLDecoder.decode(encodedId, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw RelayException.invalid("model", "The model id in the path is not valid percent-encoding.");
        }
        for (ModelList.Model model : router.models()) {
            if (model.id().equals(id) && trace.gate().mayUse(model.id())) return json(200, model, trace);
        }
        throw new RelayException(ErrorKind.MODEL_NOT_FOUND, "The model '" + printable(id) + "' does not exist here.", "model");
    }

    /** LiteLLM's {@code GET /spend/logs}: recent records by key, model or time range (master key only). */
    private ApiResponse spendLogs(String method, ApiRequest request, RequestTrace trace) {
        trace.notLogged(); // reading the log is not traffic
        if (!method.equals("GET")) {
            throw new RelayException(ErrorKind.METHOD_NOT_ALLOWED, "Use GET on /spend/logs.", null, Map.of("allow", "GET"), null);
        }
        requireMaster(request);
        var query = SpendLogs.query(request.query());
        List<String> keyHashes = virtualKeys.keyHashesFor(request.query());
        List<RequestLog> rows = keyHashes == null ? logs.find(query) : keyHashes.stream()
                .flatMap(hash -> logs.find(new relay.core.log.LogQuery(query.requestId(), hash, query.model(), query.from(),
                        query.to(), query.limit())).stream())
                .sorted(java.util.Comparator.comparing(RequestLog::time).reversed()).limit(query.limit()).toList();
        return json(200, rows.stream().map(SpendLogs::row).toList(), trace);
    }

    /** LiteLLM's {@code POST /cache/delete} with {@code {"keys": [...]}}: removes cached answers (master key only). */
    private ApiResponse deleteCached(String method, ApiRequest request, RequestTrace trace) {
        trace.notLogged(); // an operator's action, not traffic
        if (!method.equals("POST")) {
            throw new RelayException(ErrorKind.METHOD_NOT_ALLOWED, "Use POST on /cache/delete.", null, Map.of("allow", "POST"), null);
        }
        requireMaster(request);
        var keys = CacheDeletion.keys(RequestParser.parseObject(body(request)));
        requireCache();
        int deleted;
        try {
            deleted = gateway.deleteCached(keys);
        } catch (RuntimeException e) {
            Diagnostics.warn("response_cache_delete_failed", "error", e.getClass().getSimpleName());
            throw new RelayException(ErrorKind.SERVICE_UNAVAILABLE, "The response cache could not be reached; nothing is known to be deleted. Try again.");
        }
        return json(200, Map.of("status", "success", "deleted", deleted), trace);
    }

    /** LiteLLM's {@code GET /cache/ping}: whether the cache's table answers (master key only). */
    private ApiResponse pingCache(String method, ApiRequest request, RequestTrace trace) {
        trace.notLogged(); // an operator's check, not traffic
        if (!method.equals("GET")) {
            throw new RelayException(ErrorKind.METHOD_NOT_ALLOWED, "Use GET on /cache/ping.", null, Map.of("allow", "GET"), null);
        }
        requireMaster(request);
        requireCache();
        try {
            gateway.pingCache();
        } catch (RuntimeException e) {
            Diagnostics.warn("response_cache_ping_failed", "error", e.getClass().getSimpleName());
            throw new RelayException(ErrorKind.SERVICE_UNAVAILABLE, "The response cache's table could not be read ("
                    + e.getClass().getSimpleName() + "); requests are answered without the cache.");
        }
        var settings = gateway.cacheSettings();
        return json(200, Map.of("status", "healthy", "cache_type", settings.type(), "semantic", settings.semantic()), trace);
    }

    /**
     * The master key, or a virtual key that passes its key's checks: its {@code allowed_routes} here, its limits by
     * the gate it puts on the trace, before any provider call.
     */
    private void authenticate(String authorization, String path, RequestTrace trace) {
        var key = virtualKeys.authenticate(authorization);
        if (key.isPresent()) {
            trace.gate(key.get());
            trace.caller(new RequestLog.Caller(key.get().keyHash(), key.get().keyAlias(), null, Map.of()));
            key.get().admitRoute(path);
            return;
        }
        authenticator.check(authorization);
        trace.caller(Callers.authenticated(trace.caller(), authenticator));
    }

    /** Admin routes take the master key only; a virtual key is refused even where no master key is set. */
    private void requireMaster(ApiRequest request) {
        if (virtualKeys.presentsVirtualKey(request.header("authorization"))) {
            throw new RelayException(ErrorKind.PERMISSION_DENIED, "This route needs Relay's master key; a virtual key cannot use it.");
        }
        authenticator.check(request.header("authorization"));
    }

    /** LiteLLM's key and team management ({@code /key/*}, {@code /team/*}; master key only; never logged: bodies hold keys). */
    private ApiResponse keyAdmin(String method, String path, ApiRequest request, RequestTrace trace) {
        trace.notLogged();
        requireMaster(request);
        return json(200, virtualKeys.admin(method, path, request.query(), body(request)), trace);
    }

    private void requireCache() {
        if (!gateway.cacheSettings().enabled()) {
            throw RelayException.invalid(null, "Relay's response cache is off: set litellm_settings.cache in config.yaml.");
        }
    }

    private ApiResponse health(RequestTrace trace) {
        trace.notLogged(); // monitors poll it; their calls are not traffic
        boolean ready = authenticator.ready();
        return json(ready ? 200 : 503, Map.of("status", ready ? "healthy" : "unconfigured"), trace);
    }

    private Answer chat(ApiRequest request, RequestTrace trace, ResponseSink sink) {
        ChatCompletionRequest chat = RequestParser.chat(screened(body(request), trace));
        trace.caller(Callers.withRequest(trace.caller(), chat.body()));
        trace.requestedModel(chat.model());
        if (!chat.stream()) return new Answer.Whole(json(200, gateway.chat(chat, trace), trace));
        return stream(chat, trace, sink, chunk -> chunk);
    }

    /** The legacy text API, served by any chat model. */
    private Answer completions(ApiRequest request, RequestTrace trace, ResponseSink sink) {
        ChatCompletionRequest chat = TextCompletions.toChat(screened(body(request), trace));
        trace.caller(Callers.withRequest(trace.caller(), chat.body()));
        trace.requestedModel(chat.model());
        if (!chat.stream()) return new Answer.Whole(json(200, TextCompletions.fromChat(gateway.chat(chat, trace)), trace));
        return stream(chat, trace, sink, TextCompletions::fromChunk);
    }

    /**
     * Streams as Server-Sent Events, each chunk turned into the event the route speaks (null: none) and
     * sent on as it arrives. Until the first event a failure is a plain error response (a fallback may
     * still answer); after it, an error event ends the stream, without {@code [DONE]}.
     */
    private Answer stream(ChatCompletionRequest chat, RequestTrace trace, ResponseSink sink,
                          java.util.function.Function<relay.core.wire.ChatCompletionChunk, Object> event) {
        StreamedBody body = new StreamedBody(sink, trace);
        try {
            gateway.streamChat(chat, trace, chunk -> {
                Object payload = event.apply(chunk);
                if (payload != null) body.event(Json.write(payload));
            });
        } catch (RelayException e) {
            if (!body.started() || e.kind() == ErrorKind.CLIENT_CLOSED) throw e;
            return new Answer.Streamed(body.fail(e, errorBody(e)));
        } catch (RuntimeException e) {
            if (!body.started()) throw e;
            RelayException internal = internal(e, trace);
            return new Answer.Streamed(body.fail(internal, errorBody(internal)));
        }
        return new Answer.Streamed(body.done());
    }

    /** A stream's body on its way out: the head with the first event, each event flushed, a copy kept for the log. */
    private static final class StreamedBody {
        private final ResponseSink sink;
        private final RequestTrace trace;
        private final StringBuilder logged = new StringBuilder();
        private boolean started;

        StreamedBody(ResponseSink sink, RequestTrace trace) {
            this.sink = sink;
            this.trace = trace;
        }

        boolean started() {
            return started;
        }

        void event(String data) {
            if (!started) {
                started = true;
                sink.head(200, headers(trace, "text/event-stream"));
            }
            write("data: " + data + "\n\n");
        }

        Sent done() {
            if (!started) event("[DONE]"); else write("data: [DONE]\n\n");
            sink.end();
            return new Sent(200, null, null, logged.toString());
        }

        /** Bytes are out: the client learns of the failure from an error event, as OpenAI sends it. */
        Sent fail(RelayException e, ErrorBody error) {
            trace.streamError(e.kind());
            try {
                write("data: " + Json.write(error) + "\n\n");
                sink.end();
            } catch (RelayException gone) {
                if (gone.kind() != ErrorKind.CLIENT_CLOSED) throw gone;
            }
            return new Sent(200, e.kind(), e.getMessage(), logged.toString());
        }

        private void write(String text) {
            // the log keeps the start, and enough past it for keys across the cut to be recognised and scrubbed
            int room = RequestTrace.MAX_LOGGED_BODY_CHARS + 2 * relay.core.error.Redaction.LONGEST_SECRET - logged.length();
            if (room > 0) logged.append(text, 0, Math.min(room, text.length()));
            sink.body(text);
        }
    }

    private ApiResponse embeddings(ApiRequest request, RequestTrace trace) {
        EmbeddingRequest embedding = RequestParser.embedding(screened(body(request), trace));
        trace.caller(Callers.withRequest(trace.caller(), embedding.body()));
        trace.requestedModel(embedding.model());
        EmbeddingResult result = gateway.embed(embedding, trace);
        List<EmbeddingResponse.Embedding> data = new ArrayList<>(result.vectors().size());
        for (int i = 0; i < result.vectors().size(); i++) {
            data.add(new EmbeddingResponse.Embedding("embedding", i, encode(result.vectors().get(i), embedding.encodingFormat())));
        }
        var usage = new EmbeddingResponse.EmbeddingUsage(result.promptTokens(), result.promptTokens());
        return json(200, new EmbeddingResponse("list", data, embedding.model(), usage), trace);
    }

    /** OpenAI's base64 format: the vector's float32 values, little-endian, base64-encoded. */
    static JsonNode encode(float[] vector, EmbeddingRequest.EncodingFormat format) {
        if (format == EmbeddingRequest.EncodingFormat.BASE64) {
            ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : vector) bytes.putFloat(v);
            return TextNode.valueOf(Base64.getEncoder().encodeToString(bytes.array()));
        }
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (float v : vector) array.add(v);
        return array;
    }

    private static byte[] body(ApiRequest request) {
        byte[] body = request.body();
        if (body != null && body.length > MAX_BODY_BYTES) {
            throw new RelayException(ErrorKind.PAYLOAD_TOO_LARGE, "The request body is " + body.length
                    + " bytes; Relay accepts at most " + MAX_BODY_BYTES + " bytes.");
        }
        return body;
    }

    private ApiResponse json(int status, Object body, RequestTrace trace) {
        return new ApiResponse(status, headers(trace, "application/json"), Json.write(body));
    }

    private ApiResponse error(RelayException e, RequestTrace trace) {
        Map<String, String> headers = headers(trace, "application/json");
        headers.putAll(e.headers());
        return new ApiResponse(e.kind().status(), headers, Json.write(errorBody(e)));
    }

    private static ErrorBody errorBody(RelayException e) {
        return ErrorBody.of(e.getMessage(), e.kind().type(), e.param(), e.kind().code());
    }

    private static Map<String, String> headers(RequestTrace trace, String contentType) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", contentType);
        if (contentType.equals("text/event-stream")) headers.put("cache-control", "no-cache");
        headers.put("x-relay-request-id", trace.requestId());
        // where the OpenAI SDKs (x-request-id) and Anthropic's (request-id) look for a request's id
        headers.put("x-request-id", trace.requestId());
        headers.put("request-id", trace.requestId());
        if (trace.deployment() != null) headers.put("x-relay-model", trace.deployment());
        if (trace.cost() != null) headers.put("x-relay-cost-usd", trace.cost().toPlainString());
        if (trace.deployment() != null || !trace.attempts().isEmpty()) {
            headers.put("x-relay-fallbacks", Integer.toString(trace.failedDeployments()));
        }
        headers.put("x-relay-cache", trace.cacheStatus());
        headers.putAll(trace.responseHeaders());
        if (trace.cacheKey() != null) headers.put("x-relay-cache-key", trace.cacheKey());
        if (trace.cacheSimilarity() != null) headers.put("x-relay-cache-similarity", similarity(trace.cacheSimilarity()));
        return headers;
    }

    /** A cache hit's score as {@code x-relay-cache-similarity} gives it: "1" for an exact hit, else 4 decimals ("0.9731"). */
    static String similarity(double score) {
        return java.math.BigDecimal.valueOf(score).setScale(4, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    /** {@code /v1/x/} and {@code /x} are the same route. */
    static String normalize(String path) {
        if (path == null || path.isEmpty()) return "/";
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) p = p.substring(0, p.length() - 1);
        if (p.equals("/v1")) return "/";
        if (p.startsWith("/v1/")) p = p.substring(3);
        return p;
    }

    private static final Set<Character> SAFE_PUNCTUATION = Set.of('/', '-', '_', '.', '~', '%');

    /** Echoes client text in messages without control characters, bidirectional controls or markup, and not too long. */
    static String printable(String text) {
        if (text == null) return "";
        StringBuilder safe = new StringBuilder();
        for (int i = 0; i < text.length() && safe.length() < 200; i++) {
            char c = text.charAt(i);
            if (relay.core.error.BidiControls.is(c)) continue;
            safe.append(Character.isLetterOrDigit(c) || SAFE_PUNCTUATION.contains(c) ? c : '?');
        }
        return safe.toString();
    }
}
