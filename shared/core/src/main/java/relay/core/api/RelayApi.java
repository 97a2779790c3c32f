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
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.Gateway;
import relay.core.gateway.RequestTrace;
import relay.core.log.Diagnostics;
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
    /** API Gateway HTTP APIs end a request after 30 s; the answer must be out before. */
    public static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(29);

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

    public RelayApi(Gateway gateway, ModelRouter router, Authenticator authenticator, RequestLogStore logs,
                    Clock clock, Duration logRetention) {
        this(gateway, router, authenticator, logs, clock, logRetention, true);
    }

    /** @param logMessages false for {@code litellm_settings.turn_off_message_logging}: no bodies in the request log */
    public RelayApi(Gateway gateway, ModelRouter router, Authenticator authenticator, RequestLogStore logs,
                    Clock clock, Duration logRetention, boolean logMessages) {
        this.logMessages = logMessages;
        this.gateway = gateway;
        this.router = router;
        this.authenticator = authenticator;
        this.logs = logs;
        this.clock = clock;
        this.logRetention = logRetention;
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
            trace.deadline(clock.instant().plus(DEFAULT_TIME_LIMIT));
            ChatCompletionRequest chat = RequestParser.chat(RequestParser.parseObject(
                    (stream ? body.replace("}", ",\"stream\":true}") : body).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            if (stream) stream(chat, trace, chunk -> chunk); else json(200, gateway.chat(chat, trace), trace);
            trace.finish(200, null, null, null, false, logRetention);
        }
        error(RelayException.invalid("model", "priming"), new RequestTrace("priming", clock.instant(), "GET /"));
    }

    public ApiResponse handle(ApiRequest request) {
        String method = request.method() == null ? "" : request.method().toUpperCase(java.util.Locale.ROOT);
        RequestTrace trace = new RequestTrace(request.requestId(), clock.instant(), method + " " + request.path());
        Instant latest = clock.instant().plus(DEFAULT_TIME_LIMIT);
        trace.deadline(request.deadline() == null || request.deadline().isAfter(latest) ? latest : request.deadline());
        trace.caller(Callers.fromHeaders(request.header("authorization")));
        ApiResponse response;
        ErrorKind failure = null;
        String failureMessage = null;
        try {
            response = dispatch(method, request, trace);
            failure = trace.streamError();
        } catch (RelayException e) {
            response = error(e, trace);
            failure = e.kind();
            failureMessage = e.getMessage();
        } catch (RuntimeException e) {
            // A bug, not the client's fault: say so without details, keep the details in our logs.
            Diagnostics.warn("unhandled_error", "request_id", trace.requestId(), "error", e.getClass().getName());
            RelayException internal = new RelayException(ErrorKind.INTERNAL, "Relay failed to handle the request (request id "
                    + trace.requestId() + ").");
            response = error(internal, trace);
            failure = internal.kind();
            failureMessage = internal.getMessage();
        }
        if (trace.logged()) {
            try {
                logs.write(trace.finish(response.status(), failure, failureMessage, response.body(), logMessages, logRetention));
            } catch (RuntimeException e) {
                Diagnostics.warn("request_log_failed", "request_id", trace.requestId(), "error", e.getClass().getName());
            }
        }
        return response;
    }

    private ApiResponse dispatch(String method, ApiRequest request, RequestTrace trace) {
        String path = normalize(request.path());
        switch (path) {
            case "/spend/logs" -> { return spendLogs(method, request, trace); }
            case "/cache/delete" -> { return deleteCached(method, request, trace); }
            case "/cache/ping" -> { return pingCache(method, request, trace); }
            default -> { }
        }
        Route route = ROUTES.get(path);
        if (route == null) {
            throw new RelayException(ErrorKind.NOT_FOUND, "Unknown path '" + printable(request.path())
                    + "'. Relay serves /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/models and /health.");
        }
        String allowed = route == Route.HEALTH || route == Route.MODELS ? "GET" : "POST";
        if (!allowed.equals(method)) {
            throw new RelayException(ErrorKind.METHOD_NOT_ALLOWED, "Method " + printable(method) + " is not allowed on "
                    + printable(request.path()) + "; use " + allowed + ".", null, Map.of("allow", allowed), null);
        }
        if (route == Route.HEALTH) return health(trace);
        authenticator.check(request.header("authorization"));
        trace.caller(Callers.authenticated(trace.caller(), authenticator));
        if (request.body() != null && request.body().length > 0 && request.body().length <= MAX_BODY_BYTES) {
            trace.requestBody(new String(request.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return switch (route) {
            case MODELS -> json(200, ModelList.of(router.models()), trace);
            case CHAT -> chat(request, trace);
            case COMPLETIONS -> completions(request, trace);
            case EMBEDDINGS -> embeddings(request, trace);
            case HEALTH -> throw new IllegalStateException("handled above");
        };
    }

    /** LiteLLM's {@code GET /spend/logs}: recent records by key, model or time range (master key only). */
    private ApiResponse spendLogs(String method, ApiRequest request, RequestTrace trace) {
        trace.notLogged(); // reading the log is not traffic
        if (!method.equals("GET")) {
            throw new RelayException(ErrorKind.METHOD_NOT_ALLOWED, "Use GET on /spend/logs.", null, Map.of("allow", "GET"), null);
        }
        authenticator.check(request.header("authorization"));
        var query = SpendLogs.query(request.query());
        return json(200, logs.find(query).stream().map(SpendLogs::row).toList(), trace);
    }

    /** LiteLLM's {@code POST /cache/delete} with {@code {"keys": [...]}}: removes cached answers (master key only). */
    private ApiResponse deleteCached(String method, ApiRequest request, RequestTrace trace) {
        trace.notLogged(); // an operator's action, not traffic
        if (!method.equals("POST")) {
            throw new RelayException(ErrorKind.METHOD_NOT_ALLOWED, "Use POST on /cache/delete.", null, Map.of("allow", "POST"), null);
        }
        authenticator.check(request.header("authorization"));
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
        authenticator.check(request.header("authorization"));
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

    private ApiResponse chat(ApiRequest request, RequestTrace trace) {
        ChatCompletionRequest chat = RequestParser.chat(RequestParser.parseObject(body(request)));
        trace.caller(Callers.withRequest(trace.caller(), chat.body()));
        trace.requestedModel(chat.model());
        if (!chat.stream()) return json(200, gateway.chat(chat, trace), trace);
        return stream(chat, trace, chunk -> chunk);
    }

    /** The legacy text API, served by any chat model. */
    private ApiResponse completions(ApiRequest request, RequestTrace trace) {
        ChatCompletionRequest chat = TextCompletions.toChat(RequestParser.parseObject(body(request)));
        trace.caller(Callers.withRequest(trace.caller(), chat.body()));
        trace.requestedModel(chat.model());
        if (!chat.stream()) return json(200, TextCompletions.fromChat(gateway.chat(chat, trace)), trace);
        return stream(chat, trace, TextCompletions::fromChunk);
    }

    /** Streams as Server-Sent Events, each chunk turned into the event the route speaks (null: none). */
    private ApiResponse stream(ChatCompletionRequest chat, RequestTrace trace,
                               java.util.function.Function<relay.core.wire.ChatCompletionChunk, Object> event) {
        StringBuilder events = new StringBuilder(4096);
        boolean[] started = {false};
        try {
            gateway.streamChat(chat, trace, chunk -> {
                started[0] = true;
                Object payload = event.apply(chunk);
                if (payload != null) events.append("data: ").append(Json.write(payload)).append("\n\n");
            });
        } catch (RelayException e) {
            if (!started[0]) throw e;
            trace.streamError(e.kind());
            // Bytes are out: the client learns of the failure from an error event, as OpenAI sends it.
            events.append("data: ").append(Json.write(errorBody(e))).append("\n\n");
            Map<String, String> headers = headers(trace, "text/event-stream");
            headers.put("x-relay-stream-error", e.kind().type());
            return new ApiResponse(200, headers, events.toString());
        }
        events.append("data: [DONE]\n\n");
        return new ApiResponse(200, headers(trace, "text/event-stream"), events.toString());
    }

    private ApiResponse embeddings(ApiRequest request, RequestTrace trace) {
        EmbeddingRequest embedding = RequestParser.embedding(RequestParser.parseObject(body(request)));
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
        if (trace.deployment() != null) headers.put("x-relay-model", trace.deployment());
        if (trace.cost() != null) headers.put("x-relay-cost-usd", trace.cost().toPlainString());
        if (trace.deployment() != null || !trace.attempts().isEmpty()) {
            headers.put("x-relay-fallbacks", Integer.toString(trace.failedDeployments()));
        }
        headers.put("x-relay-cache", trace.cacheStatus());
        if (trace.cacheKey() != null) headers.put("x-relay-cache-key", trace.cacheKey());
        return headers;
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

    /** Echoes client text in messages without control characters or markup, and not too long. */
    private static String printable(String text) {
        if (text == null) return "";
        StringBuilder safe = new StringBuilder();
        for (int i = 0; i < text.length() && safe.length() < 200; i++) {
            char c = text.charAt(i);
            safe.append(Character.isLetterOrDigit(c) || SAFE_PUNCTUATION.contains(c) ? c : '?');
        }
        return safe.toString();
    }
}
