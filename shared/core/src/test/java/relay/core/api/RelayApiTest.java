package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import relay.core.Json;
import relay.core.config.RelayConfig;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.Gateway;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.keys.KeyStore;
import relay.core.log.RequestLog;
import relay.core.log.RequestLogStore;
import relay.core.provider.Completions;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.ModelRouter;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.Usage;

/** The HTTP surface over a real Gateway and ModelRouter, with an in-test provider and an in-memory log. */
class RelayApiTest {
    static final String PROVIDER_KEY = "sk-fake-provider-secret-0123456789";
    static final String LITERAL_KEY = "literal-config-key-abcdef";
    static final String MASTER_KEY = "relay-master-key-0123456789";
    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T12:00:00Z"), ZoneOffset.UTC);
    static final Duration RETENTION = Duration.ofDays(30);

    static final String CONFIG = """
            model_list:
              - model_name: fake-chat
                litellm_params: {model: fake/chat-1, api_key: os.environ/FAKE_KEY}
              - model_name: fake-embed
                litellm_params: {model: fake/embed-1, api_key: literal-config-key-abcdef}
              - model_name: keyless
                litellm_params: {model: fake/keyless-1, api_key: os.environ/NOT_SET}
              - model_name: alpha
                litellm_params: {model: fake/alpha-1, api_key: os.environ/FAKE_KEY}
              - model_name: beta
                litellm_params: {model: fake/beta-1, api_key: os.environ/FAKE_KEY}
            """;

    static final String CHAT = "{\"model\":\"fake-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String STREAM = "{\"model\":\"fake-chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    final RecordingLogs logs = new RecordingLogs();
    final AtomicInteger ids = new AtomicInteger();
    FakeProvider provider;
    RelayApi api;

    @BeforeEach
    void wire() {
        provider = new FakeProvider();
        api = api(new Authenticator(new EnvironmentKeyStore(Map.of()), null, false));
    }

    RelayApi api(Authenticator authenticator) {
        KeyStore keys = new EnvironmentKeyStore(Map.of("FAKE_KEY", PROVIDER_KEY));
        ModelRouter router = new ModelRouter(RelayConfig.parse(CONFIG), List.of(provider), Duration.ofSeconds(5));
        return new RelayApi(new Gateway(router, new relay.core.routing.Router(router, relay.core.routing.RouterPolicy.from(relay.core.config.RelayConfig.parse("router_settings: {num_retries: 0}")), CLOCK, new java.util.SplittableRandom(1)), keys, CLOCK, false), router, authenticator, logs, CLOCK, RETENTION);
    }

    RelayApi securedApi() {
        return api(new Authenticator(new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", MASTER_KEY)), null, true));
    }

    ApiResponse send(RelayApi target, String method, String path, byte[] body, Map<String, String> headers) {
        return target.handle(new ApiRequest("req-" + ids.incrementAndGet(), method, path, headers, body));
    }

    ApiResponse post(String path, String json) {
        return send(api, "POST", path, json.getBytes(StandardCharsets.UTF_8), Map.of("content-type", "application/json"));
    }

    ApiResponse get(String path) {
        return send(api, "GET", path, null, Map.of());
    }

    static JsonNode json(ApiResponse response) {
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** The {@code data:} payloads of a Server-Sent Events body, checking its framing on the way. */
    static List<String> events(ApiResponse response) {
        assertEquals("text/event-stream", response.headers().get("content-type"));
        String body = response.body();
        assertTrue(body.endsWith("\n\n"), "every event ends with a blank line: " + body);
        List<String> data = new ArrayList<>();
        for (String event : body.substring(0, body.length() - 2).split("\n\n", -1)) {
            assertTrue(event.startsWith("data: "), "event: " + event);
            data.add(event.substring("data: ".length()));
        }
        return data;
    }

    static List<JsonNode> chunks(List<String> events) {
        return events.stream().filter(e -> !e.equals("[DONE]")).map(e -> {
            try {
                return Json.MAPPER.readTree(e);
            } catch (Exception ex) {
                throw new AssertionError(ex);
            }
        }).toList();
    }

    static String streamedText(List<JsonNode> chunks) {
        StringBuilder text = new StringBuilder();
        for (JsonNode chunk : chunks) {
            for (JsonNode choice : chunk.path("choices")) {
                if (choice.path("delta").path("content").isTextual()) text.append(choice.path("delta").path("content").asText());
            }
        }
        return text.toString();
    }

    RequestLog onlyLog() {
        assertEquals(1, logs.records.size(), () -> "log records: " + logs.records);
        return logs.records.get(0);
    }

    static void assertError(ApiResponse response, int status, String type, String code) {
        assertEquals(status, response.status(), response.body());
        assertEquals("application/json", response.headers().get("content-type"));
        JsonNode error = json(response).path("error");
        assertEquals(type, error.path("type").asText(), response.body());
        if (code == null) assertTrue(error.path("code").isNull(), response.body());
        else assertEquals(code, error.path("code").asText(), response.body());
        assertTrue(error.path("message").isTextual() && !error.path("message").asText().isBlank(), response.body());
    }

    // ---- routing ----

    @Test
    void routes_v1AndBarePathsAreTheSameRoute() {
        for (String path : List.of("/v1/chat/completions", "/chat/completions", "/v1/chat/completions/")) {
            ApiResponse response = post(path, CHAT);
            assertEquals(200, response.status(), path + ": " + response.body());
            assertEquals("Hello from fake", json(response).path("choices").get(0).path("message").path("content").asText());
        }
        for (String path : List.of("/v1/models", "/models")) {
            assertEquals(200, get(path).status(), path);
        }
        assertEquals(5, logs.records.size());
        assertEquals("POST /chat/completions", logs.records.get(1).route());
    }

    @Test
    void aRequestRefusedForItsKey_isKeptOneDay_notTheWholeRetention() {
        RelayApi secured = securedApi();
        send(secured, "POST", "/v1/chat/completions", CHAT.getBytes(StandardCharsets.UTF_8), Map.of("authorization", "Bearer wrong"));
        send(secured, "POST", "/v1/chat/completions", CHAT.getBytes(StandardCharsets.UTF_8),
                Map.of("authorization", "Bearer " + MASTER_KEY));

        RequestLog refused = logs.records.get(0);
        RequestLog served = logs.records.get(1);
        assertTrue(refused.unauthenticated());
        assertEquals(refused.time().plus(Duration.ofDays(1)), refused.expiresAt());
        assertFalse(served.unauthenticated());
        assertEquals(served.time().plus(RETENTION), served.expiresAt());
    }

    @Test
    void everyAnswer_namesItsRequestId_whereTheOpenAiAndAnthropicSdksLookForIt() {
        ApiResponse response = post("/v1/chat/completions", CHAT);

        String id = response.headers().get("x-relay-request-id");
        assertEquals(id, response.headers().get("x-request-id"));
        assertEquals(id, response.headers().get("request-id"));
        assertEquals(id, onlyLog().requestId());
    }

    @Test
    void oneModel_isServedByItsId_andAnUnknownOneIsA404() {
        ApiResponse known = get("/v1/models/fake-chat");
        ApiResponse unknown = get("/v1/models/no-such-model");

        assertEquals(200, known.status(), known.body());
        assertEquals("fake-chat", json(known).path("id").asText());
        assertEquals("model", json(known).path("object").asText());
        assertError(unknown, 404, "invalid_request_error", "model_not_found");
    }

    @Test
    void unknownRoute_is404_andLogged() {
        ApiResponse response = get("/v1/assistants");

        assertError(response, 404, "invalid_request_error", "not_found");
        assertTrue(json(response).path("error").path("message").asText().contains("/v1/chat/completions"));
        RequestLog log = onlyLog();
        assertEquals(404, log.status());
        assertEquals("invalid_request_error", log.errorType());
        assertEquals("not_found", log.errorCode());
    }

    @Test
    void unknownRoute_doesNotEchoMarkupOrControlCharacters() {
        ApiResponse response = get("/v1/<script>alert(1)</script>\r\nx");

        assertError(response, 404, "invalid_request_error", "not_found");
        String message = json(response).path("error").path("message").asText();
        assertFalse(message.contains("<") || message.contains("\n") || message.contains("\r"), message);
    }

    @Test
    void wrongMethod_is405_withAllowHeader() {
        ApiResponse getChat = get("/v1/chat/completions");
        ApiResponse postModels = post("/v1/models", "{}");
        ApiResponse postHealth = post("/health", "{}");

        assertError(getChat, 405, "invalid_request_error", "method_not_allowed");
        assertEquals("POST", getChat.headers().get("allow"));
        assertEquals("GET", postModels.headers().get("allow"));
        assertEquals(405, postHealth.status());
        assertEquals("GET", postHealth.headers().get("allow"));
        assertEquals(List.of(405, 405, 405), logs.records.stream().map(RequestLog::status).toList());
        assertTrue(provider.calls.isEmpty());
    }

    @Test
    void health_isNotLogged() {
        ApiResponse response = get("/health");

        assertEquals(200, response.status());
        assertEquals("healthy", json(response).path("status").asText());
        assertTrue(logs.records.isEmpty());
    }

    @Test
    void health_withoutRequiredMasterKey_is503_andNotLogged() {
        RelayApi unconfigured = api(new Authenticator(new EnvironmentKeyStore(Map.of()), null, true));

        ApiResponse health = send(unconfigured, "GET", "/v1/health", null, Map.of());
        ApiResponse chat = send(unconfigured, "POST", "/v1/chat/completions", CHAT.getBytes(StandardCharsets.UTF_8), Map.of());

        assertEquals(503, health.status());
        assertEquals("unconfigured", json(health).path("status").asText());
        assertError(chat, 503, "api_error", "service_unavailable");
        assertEquals(1, logs.records.size(), "only the chat call is logged");
        assertTrue(provider.calls.isEmpty());
    }

    @Test
    void models_listsConfiguredGroupsInConfigOrder() {
        JsonNode body = json(get("/v1/models"));

        assertEquals("list", body.path("object").asText());
        List<String> ids = new ArrayList<>();
        body.path("data").forEach(m -> ids.add(m.path("id").asText()));
        assertEquals(List.of("fake-chat", "fake-embed", "keyless", "alpha", "beta"), ids);
        assertEquals("fake", body.path("data").get(0).path("owned_by").asText());
    }

    // ---- authentication ----

    @Test
    void securedApi_acceptsTheMasterKey_andRejectsOthers() {
        RelayApi secured = securedApi();
        byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);

        ApiResponse ok = send(secured, "POST", "/v1/chat/completions", body, Map.of("authorization", "Bearer " + MASTER_KEY));
        ApiResponse missing = send(secured, "POST", "/v1/chat/completions", body, Map.of());
        ApiResponse wrong = send(secured, "POST", "/v1/chat/completions", body, Map.of("authorization", "Bearer nope-nope-nope"));
        ApiResponse models = send(secured, "GET", "/v1/models", null, Map.of());

        assertEquals(200, ok.status(), ok.body());
        assertError(missing, 401, "authentication_error", "invalid_api_key");
        assertError(wrong, 401, "authentication_error", "invalid_api_key");
        assertError(models, 401, "authentication_error", "invalid_api_key");
        assertEquals(1, provider.calls.size());
        assertEquals(List.of(200, 401, 401, 401), logs.records.stream().map(RequestLog::status).toList());
    }

    // ---- limits ----

    @Test
    void bodyOverTheLimit_is413_andNeverReachesTheProvider() {
        byte[] body = new byte[RelayApi.MAX_BODY_BYTES + 1];
        Arrays.fill(body, (byte) ' ');

        ApiResponse response = send(api, "POST", "/v1/chat/completions", body, Map.of());

        assertError(response, 413, "invalid_request_error", "request_too_large");
        assertEquals(413, onlyLog().status());
        assertTrue(provider.calls.isEmpty());
    }

    @Test
    void bodyAtTheLimit_isParsed() {
        byte[] json = CHAT.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[RelayApi.MAX_BODY_BYTES];
        System.arraycopy(json, 0, body, 0, json.length);
        Arrays.fill(body, json.length, body.length, (byte) ' ');

        ApiResponse response = send(api, "POST", "/v1/chat/completions", body, Map.of());

        assertEquals(200, response.status(), response.body());
    }

    // ---- logging ----

    @Test
    void success_isLoggedOnce_withModelDeploymentAndUsage() {
        ApiResponse response = post("/v1/chat/completions", CHAT);

        assertEquals(200, response.status());
        assertEquals("fake/chat-1", response.headers().get("x-relay-model"));
        RequestLog log = onlyLog();
        assertEquals(response.headers().get("x-relay-request-id"), log.requestId());
        assertEquals("POST /v1/chat/completions", log.route());
        assertEquals(200, log.status());
        assertEquals("fake-chat", log.requestedModel());
        assertEquals("fake/chat-1", log.deployment());
        assertEquals(3, log.promptTokens());
        assertEquals(4, log.completionTokens());
        assertEquals(7, log.totalTokens());
        assertFalse(log.stream());
        assertNull(log.errorType());
        assertNull(log.errorCode());
        assertEquals(CLOCK.instant(), log.time());
        assertEquals(CLOCK.instant().plus(RETENTION), log.expiresAt());
    }

    @Test
    void provider_getsTheResolvedKeyAndTheDeploymentsModel() {
        post("/v1/chat/completions", CHAT);
        post("/v1/embeddings", "{\"model\":\"fake-embed\",\"input\":\"a\"}");

        assertEquals(PROVIDER_KEY, provider.calls.get(0).apiKey());
        assertEquals("chat-1", provider.calls.get(0).deployment().providerModel());
        assertEquals(LITERAL_KEY, provider.calls.get(1).apiKey());
        assertEquals(Duration.ofSeconds(5), provider.calls.get(0).timeout());
    }

    record Failure(String name, Consumer<FakeProvider> setup, String method, String path, String body,
                   Map<String, String> headers, int status, String type, String code) {
        @Override
        public String toString() { return name; }
    }

    static Stream<Failure> failures() {
        Map<String, String> auth = Map.of("authorization", "Bearer " + MASTER_KEY);
        Consumer<FakeProvider> none = p -> {};
        return Stream.of(
                new Failure("unknown route", none, "GET", "/v1/nothing", null, auth, 404, "invalid_request_error", "not_found"),
                new Failure("wrong method", none, "DELETE", "/v1/models", null, auth, 405, "invalid_request_error", "method_not_allowed"),
                new Failure("no key", none, "POST", "/v1/chat/completions", CHAT, Map.of(), 401, "authentication_error", "invalid_api_key"),
                new Failure("wrong key", none, "POST", "/v1/chat/completions", CHAT, Map.of("authorization", "Bearer x-wrong-key"),
                        401, "authentication_error", "invalid_api_key"),
                new Failure("empty body", none, "POST", "/v1/chat/completions", "", auth, 400, "invalid_request_error", null),
                new Failure("bad field", none, "POST", "/v1/chat/completions",
                        "{\"model\":\"fake-chat\",\"messages\":[]}", auth, 400, "invalid_request_error", null),
                new Failure("unknown model", none, "POST", "/v1/chat/completions",
                        "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", auth,
                        404, "invalid_request_error", "model_not_found"),
                new Failure("no provider key", none, "POST", "/v1/chat/completions",
                        "{\"model\":\"keyless\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", auth,
                        401, "authentication_error", "provider_key_missing"),
                new Failure("provider rate limit", p -> p.chat = c -> { throw rateLimit(); }, "POST", "/v1/chat/completions",
                        CHAT, auth, 429, "rate_limit_error", "rate_limit_exceeded"),
                new Failure("provider error before streaming", p -> p.stream = (c, out) -> { throw rateLimit(); }, "POST",
                        "/v1/chat/completions", STREAM, auth, 429, "rate_limit_error", "rate_limit_exceeded"),
                new Failure("provider bug", p -> p.chat = c -> { throw new IllegalStateException("kaboom"); }, "POST",
                        "/v1/chat/completions", CHAT, auth, 500, "api_error", "internal_error"),
                new Failure("embeddings unavailable", p -> p.embed = c -> {
                    throw new RelayException(ErrorKind.PROVIDER_UNAVAILABLE, "Could not reach fake (embed-1)");
                }, "POST", "/v1/embeddings", "{\"model\":\"fake-embed\",\"input\":\"a\"}", auth,
                        503, "api_error", "provider_unavailable"));
    }

    static RelayException rateLimit() {
        return new RelayException(ErrorKind.RATE_LIMIT, "fake (chat-1) returned 429: slow down", null, Map.of("retry-after", "7"), null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void everyFailure_isLoggedOnce_withStatusAndErrorType(Failure failure) {
        failure.setup().accept(provider);
        RelayApi secured = securedApi();

        ApiResponse response = send(secured, failure.method(), failure.path(),
                failure.body() == null ? null : failure.body().getBytes(StandardCharsets.UTF_8), failure.headers());

        assertError(response, failure.status(), failure.type(), failure.code());
        RequestLog log = onlyLog();
        assertEquals(failure.status(), log.status());
        assertEquals(failure.type(), log.errorType());
        assertEquals(failure.code(), log.errorCode());
        assertEquals(response.headers().get("x-relay-request-id"), log.requestId());
        if (failure.status() == 429) assertEquals("7", response.headers().get("retry-after"));
    }

    @Test
    void aFailingLogStore_doesNotFailTheRequest() {
        RequestLogStore broken = record -> { throw new IllegalStateException("table gone"); };
        KeyStore keys = new EnvironmentKeyStore(Map.of("FAKE_KEY", PROVIDER_KEY));
        ModelRouter router = new ModelRouter(RelayConfig.parse(CONFIG), List.of(provider), Duration.ofSeconds(5));
        RelayApi withBrokenLog = new RelayApi(new Gateway(router, new relay.core.routing.Router(router, relay.core.routing.RouterPolicy.from(relay.core.config.RelayConfig.parse("router_settings: {num_retries: 0}")), CLOCK, new java.util.SplittableRandom(1)), keys, CLOCK, false), router,
                new Authenticator(new EnvironmentKeyStore(Map.of()), null, false), broken, CLOCK, RETENTION);

        ApiResponse response = send(withBrokenLog, "POST", "/v1/chat/completions", CHAT.getBytes(StandardCharsets.UTF_8), Map.of());

        assertEquals(200, response.status());
    }

    // ---- streaming ----

    @Test
    void streaming_isServerSentEventsEndingInDone() {
        ApiResponse response = post("/v1/chat/completions", STREAM);

        assertEquals(200, response.status());
        assertEquals("no-cache", response.headers().get("cache-control"));
        List<String> events = events(response);
        assertEquals("[DONE]", events.get(events.size() - 1));
        List<JsonNode> chunks = chunks(events);
        assertEquals("Hello from fake", streamedText(chunks));
        for (JsonNode chunk : chunks) assertEquals("chat.completion.chunk", chunk.path("object").asText());
        assertEquals("stop", chunks.get(chunks.size() - 1).path("choices").get(0).path("finish_reason").asText());
        RequestLog log = onlyLog();
        assertTrue(log.stream());
        assertEquals(200, log.status());
        assertEquals(7, log.totalTokens(), "the log has usage even when the client did not ask for it");
    }

    @Test
    void streaming_hidesTheUsageChunk_unlessTheClientAsks() {
        ApiResponse withoutUsage = post("/v1/chat/completions", STREAM);
        ApiResponse withUsage = post("/v1/chat/completions",
                "{\"model\":\"fake-chat\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        List<JsonNode> plain = chunks(events(withoutUsage));
        assertTrue(plain.stream().noneMatch(c -> c.has("usage")), withoutUsage.body());
        assertTrue(plain.stream().allMatch(c -> c.path("choices").size() == 1), withoutUsage.body());

        List<JsonNode> counted = chunks(events(withUsage));
        assertEquals(plain.size() + 1, counted.size());
        JsonNode last = counted.get(counted.size() - 1);
        assertEquals(0, last.path("choices").size());
        assertEquals(3, last.path("usage").path("prompt_tokens").asInt());
        assertEquals(4, last.path("usage").path("completion_tokens").asInt());
        assertEquals(7, last.path("usage").path("total_tokens").asInt());
    }

    @Test
    void streaming_usageOnAContentChunk_isStripped_unlessTheClientAsks() {
        provider.stream = (call, out) -> {
            List<ChatCompletionChunk> chunks = Completions.chunks("chatcmpl-1", 1, "chat-1", "Hello there", null);
            ChatCompletionChunk last = chunks.get(chunks.size() - 1);
            chunks.subList(0, chunks.size() - 1).forEach(out);
            out.accept(new ChatCompletionChunk(last.id(), last.object(), last.created(), last.model(), last.choices(),
                    Usage.of(2, 2), null));
        };

        ApiResponse response = post("/v1/chat/completions", STREAM);

        assertTrue(chunks(events(response)).stream().noneMatch(c -> c.has("usage")), response.body());
        assertEquals(4, onlyLog().totalTokens());
    }

    @Test
    void streaming_errorAfterTheFirstChunk_becomesAnErrorEvent() {
        provider.stream = (call, out) -> {
            Completions.chunks("chatcmpl-1", 1, "chat-1", "Hello there", null).subList(0, 2).forEach(out);
            throw new RelayException(ErrorKind.PROVIDER_ERROR, "fake (chat-1) ended its stream before [DONE].");
        };

        ApiResponse response = post("/v1/chat/completions", STREAM);

        assertEquals(200, response.status(), "the status line was already sent");
        assertEquals("api_error", onlyLog().errorType(), "the log records the stream's failure");
        List<String> events = events(response);
        assertFalse(events.contains("[DONE]"), response.body());
        assertEquals(3, events.size(), response.body());
        assertEquals("Hello", streamedText(chunks(events.subList(0, 2))));
        JsonNode error = chunks(events).get(2).path("error");
        assertEquals("api_error", error.path("type").asText());
        assertEquals("provider_error", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("fake (chat-1)"));
        RequestLog log = onlyLog();
        assertEquals(200, log.status());
        assertTrue(log.stream());
        assertEquals("api_error", log.errorType(), "a stream that failed is logged as a failure");
        assertEquals("provider_error", log.errorCode());
    }

    // ---- unexpected failures ----

    @Test
    void unexpectedProviderException_is500InternalError_withoutItsMessage() {
        provider.chat = call -> { throw new IllegalStateException("kaboom: upstream said " + PROVIDER_KEY); };

        ApiResponse response = post("/v1/chat/completions", CHAT);

        assertError(response, 500, "api_error", "internal_error");
        assertFalse(response.body().contains("kaboom"), response.body());
        assertFalse(response.body().contains("IllegalStateException"), response.body());
        assertFalse(response.body().contains(PROVIDER_KEY), response.body());
        assertTrue(response.body().contains(response.headers().get("x-relay-request-id")), "names the request id");
        RequestLog log = onlyLog();
        assertEquals(500, log.status());
        assertEquals("api_error", log.errorType());
        assertEquals("internal_error", log.errorCode());
    }

    @Test
    void unexpectedExceptionWhileStreaming_is500InternalError() {
        provider.stream = (call, out) -> { throw new NullPointerException("oops"); };

        ApiResponse response = post("/v1/chat/completions", STREAM);

        assertError(response, 500, "api_error", "internal_error");
        assertFalse(response.body().contains("oops"), response.body());
    }

    // ---- mock_response ----

    @Test
    void mockResponse_answersWithoutCallingTheProvider() {
        ApiResponse response = post("/v1/chat/completions",
                "{\"model\":\"fake-chat\",\"mock_response\":\"canned answer here\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertEquals(200, response.status(), response.body());
        JsonNode body = json(response);
        assertEquals("chat.completion", body.path("object").asText());
        assertEquals("fake-chat", body.path("model").asText());
        assertEquals("assistant", body.path("choices").get(0).path("message").path("role").asText());
        assertEquals("canned answer here", body.path("choices").get(0).path("message").path("content").asText());
        assertEquals("stop", body.path("choices").get(0).path("finish_reason").asText());
        assertTrue(body.path("usage").path("completion_tokens").asInt() > 0);
        assertTrue(provider.calls.isEmpty());
        assertEquals("mock_response", onlyLog().deployment());
    }

    @Test
    void mockResponse_streams_withoutCallingTheProvider() {
        ApiResponse response = post("/v1/chat/completions",
                "{\"model\":\"no-such-model\",\"stream\":true,\"mock_response\":\"canned answer here\","
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        List<String> events = events(response);
        assertEquals("[DONE]", events.get(events.size() - 1));
        assertEquals("canned answer here", streamedText(chunks(events)));
        assertTrue(provider.calls.isEmpty());
    }

    // ---- embeddings ----

    @Test
    void embeddings_asFloats() {
        ApiResponse response = post("/v1/embeddings", "{\"model\":\"fake-embed\",\"input\":[\"a\",\"bcd\"]}");

        assertEquals(200, response.status(), response.body());
        JsonNode body = json(response);
        assertEquals("list", body.path("object").asText());
        assertEquals("fake-embed", body.path("model").asText());
        assertEquals(2, body.path("data").size());
        for (int i = 0; i < 2; i++) {
            JsonNode item = body.path("data").get(i);
            assertEquals("embedding", item.path("object").asText());
            assertEquals(i, item.path("index").asInt());
            assertTrue(item.path("embedding").isArray(), response.body());
            float[] actual = new float[item.path("embedding").size()];
            for (int j = 0; j < actual.length; j++) actual[j] = (float) item.path("embedding").get(j).asDouble();
            assertArrayEquals(FakeProvider.vector(i == 0 ? "a" : "bcd"), actual);
        }
        assertEquals(5, body.path("usage").path("prompt_tokens").asInt());
        assertEquals(5, body.path("usage").path("total_tokens").asInt());
        assertEquals(5, onlyLog().promptTokens());
    }

    @Test
    void embeddings_asBase64LittleEndianFloat32() {
        ApiResponse response = post("/v1/embeddings",
                "{\"model\":\"fake-embed\",\"input\":[\"a\",\"bcd\"],\"encoding_format\":\"base64\"}");

        assertEquals(200, response.status(), response.body());
        JsonNode data = json(response).path("data");
        for (int i = 0; i < 2; i++) {
            JsonNode embedding = data.get(i).path("embedding");
            assertTrue(embedding.isTextual(), response.body());
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(embedding.asText())).order(ByteOrder.LITTLE_ENDIAN);
            float[] expected = FakeProvider.vector(i == 0 ? "a" : "bcd");
            assertEquals(expected.length * Float.BYTES, bytes.remaining());
            float[] actual = new float[expected.length];
            for (int j = 0; j < actual.length; j++) actual[j] = bytes.getFloat();
            assertArrayEquals(expected, actual);
        }
    }

    @Test
    void embeddings_fromAChatOnlyProvider_isInvalidRequest() {
        provider.embed = null; // use Provider's default: no embeddings

        ApiResponse response = post("/v1/embeddings", "{\"model\":\"fake-chat\",\"input\":\"a\"}");

        assertError(response, 400, "invalid_request_error", null);
        assertEquals("model", json(response).path("error").path("param").asText());
    }

    // ---- keys never leak ----

    @Test
    void noResponse_everContainsAConfiguredKey() {
        RelayApi secured = securedApi();
        Map<String, String> auth = Map.of("authorization", "Bearer " + MASTER_KEY);
        List<ApiResponse> responses = new ArrayList<>();
        Function<String, byte[]> bytes = s -> s.getBytes(StandardCharsets.UTF_8);

        responses.add(send(secured, "GET", "/health", null, Map.of()));
        responses.add(send(secured, "GET", "/v1/models", null, auth));
        responses.add(send(secured, "POST", "/v1/chat/completions", bytes.apply(CHAT), auth));
        responses.add(send(secured, "POST", "/v1/chat/completions", bytes.apply(STREAM), auth));
        responses.add(send(secured, "POST", "/v1/embeddings", bytes.apply("{\"model\":\"fake-embed\",\"input\":\"a\"}"), auth));
        responses.add(send(secured, "POST", "/v1/chat/completions", bytes.apply(CHAT), Map.of()));
        responses.add(send(secured, "POST", "/v1/chat/completions", bytes.apply(CHAT), Map.of("authorization", "Bearer wrong")));
        responses.add(send(secured, "POST", "/v1/chat/completions", bytes.apply(
                "{\"model\":\"keyless\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), auth));
        responses.add(send(secured, "POST", "/v1/chat/completions", bytes.apply(
                "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), auth));
        provider.chat = call -> { throw new IllegalStateException("rejected key " + call.apiKey()); };
        provider.stream = (call, out) -> {
            out.accept(Completions.chunks("c", 1, "m", "x", null).get(0));
            throw new IllegalArgumentException("rejected key " + call.apiKey());
        };
        provider.embed = call -> { throw new UnsupportedOperationException("rejected key " + call.apiKey()); };
        responses.add(send(secured, "POST", "/v1/chat/completions", bytes.apply(CHAT), auth));
        responses.add(send(secured, "POST", "/v1/chat/completions", bytes.apply(STREAM), auth));
        responses.add(send(secured, "POST", "/v1/embeddings", bytes.apply("{\"model\":\"fake-embed\",\"input\":\"a\"}"), auth));

        assertEquals(12, responses.size());
        for (ApiResponse response : responses) {
            String everything = response.body() + response.headers();
            for (String key : List.of(PROVIDER_KEY, LITERAL_KEY, MASTER_KEY)) {
                if (everything.contains(key)) fail("response " + response.status() + " leaks a key: " + everything);
            }
        }
    }

    // ---- test doubles ----

    /** A scripted provider: by default it answers "Hello from fake" with usage 3 + 4. */
    static final class FakeProvider implements Provider {
        final List<ProviderCall<?>> calls = new CopyOnWriteArrayList<>();
        volatile Function<ProviderCall<ChatCompletionRequest>, ChatCompletionResponse> chat = call ->
                Completions.response("chatcmpl-1", 1, call.deployment().providerModel(), "Hello from fake", Usage.of(3, 4));
        volatile BiConsumer<ProviderCall<ChatCompletionRequest>, Consumer<ChatCompletionChunk>> stream = (call, out) ->
                Completions.chunks("chatcmpl-1", 1, call.deployment().providerModel(), "Hello from fake", Usage.of(3, 4)).forEach(out);
        volatile Function<ProviderCall<EmbeddingRequest>, EmbeddingResult> embed = call ->
                new EmbeddingResult(call.request().input().stream().map(FakeProvider::vector).toList(), 5);

        static float[] vector(String text) {
            return new float[] {0.1f, -2.5f, text.length(), 1e-7f, Float.MAX_VALUE};
        }

        @Override
        public String name() { return "fake"; }

        @Override
        public String defaultKeyName() { return "FAKE_API_KEY"; }

        @Override
        public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
            calls.add(call);
            return chat.apply(call);
        }

        @Override
        public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
            calls.add(call);
            stream.accept(call, chunks);
        }

        @Override
        public EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
            calls.add(call);
            return embed == null ? Provider.super.embed(call) : embed.apply(call);
        }
    }

    static final class RecordingLogs implements RequestLogStore {
        final List<RequestLog> records = new CopyOnWriteArrayList<>();

        @Override
        public void write(RequestLog record) {
            records.add(record);
        }
    }
}
