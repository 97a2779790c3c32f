package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.core.config.RelayConfig;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.Gateway;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.log.RequestLog;
import relay.core.messages.MessagesEndpoint;
import relay.core.provider.Completions;
import relay.core.provider.ModelRouter;
import relay.core.provider.NativeMessages;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.Usage;

/** {@code POST /v1/messages} through RelayApi: translated for a chat provider, passed through for one that speaks Messages. */
class MessagesApiTest {
    static final String CONFIG = """
            model_list:
              - model_name: gpt-group
                litellm_params: {model: fake/chat-1, api_key: os.environ/FAKE_KEY}
              - model_name: claude-group
                litellm_params: {model: native/claude-x, api_key: os.environ/NATIVE_KEY}
              - model_name: claude-then-gpt
                litellm_params: {model: native/claude-y, api_key: os.environ/NATIVE_KEY}
            router_settings: {num_retries: 0, fallbacks: [{claude-then-gpt: [gpt-group]}]}
            """;
    static final String MASTER_KEY = "relay-master-key-0123456789";
    static final String SIMPLE = "{\"model\":\"gpt-group\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    final RelayApiTest.FakeProvider chat = new RelayApiTest.FakeProvider();
    final NativeProvider anthropic = new NativeProvider();
    final RelayApiTest.RecordingLogs logs = new RelayApiTest.RecordingLogs();
    final AtomicInteger ids = new AtomicInteger();

    RelayApi api(boolean secured) {
        RelayConfig config = RelayConfig.parse(CONFIG);
        ModelRouter models = new ModelRouter(config, List.of(chat, anthropic), Duration.ofSeconds(5));
        var clock = java.time.Clock.systemUTC();
        Router router = new Router(models, RouterPolicy.from(config), clock, new java.util.SplittableRandom(1));
        var keys = new EnvironmentKeyStore(Map.of("FAKE_KEY", "sk-fake", "NATIVE_KEY", "sk-native"));
        Gateway gateway = new Gateway(models, router, keys, clock, false);
        Authenticator auth = secured
                ? new Authenticator(new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", MASTER_KEY)), null, true)
                : new Authenticator(new EnvironmentKeyStore(Map.of()), null, false);
        return new RelayApi(gateway, models, auth, logs, clock, Duration.ofDays(1)).withEndpoints(List.of(new MessagesEndpoint(gateway)));
    }

    ApiResponse post(RelayApi api, String path, String body, Map<String, String> headers) {
        return api.handle(new ApiRequest("req-" + ids.incrementAndGet(), "POST", path, headers, body.getBytes(StandardCharsets.UTF_8)));
    }

    ApiResponse post(String body) {
        return post(api(false), "/v1/messages", body, Map.of());
    }

    static JsonNode json(ApiResponse response) {
        return RelayApiTest.json(response);
    }

    /** A Server-Sent Events body as (event name, data) pairs, checking that each event's name is its data's type. */
    static List<Map.Entry<String, JsonNode>> sse(String body) {
        assertTrue(body.endsWith("\n\n"), body);
        List<Map.Entry<String, JsonNode>> events = new ArrayList<>();
        for (String event : body.substring(0, body.length() - 2).split("\n\n")) {
            String[] lines = event.split("\n");
            assertEquals(2, lines.length, event);
            assertTrue(lines[0].startsWith("event: ") && lines[1].startsWith("data: "), event);
            JsonNode data;
            try {
                data = Json.MAPPER.readTree(lines[1].substring(6));
            } catch (Exception e) {
                throw new AssertionError(event, e);
            }
            assertEquals(lines[0].substring(7), data.path("type").asText(), event);
            events.add(Map.entry(lines[0].substring(7), data));
        }
        return events;
    }

    static List<String> types(List<Map.Entry<String, JsonNode>> events) {
        return events.stream().map(Map.Entry::getKey).toList();
    }

    static void assertAnthropicError(ApiResponse response, int status, String type) {
        assertEquals(status, response.status(), response.body());
        assertEquals("application/json", response.headers().get("content-type"));
        JsonNode body = json(response);
        assertEquals("error", body.path("type").asText(), response.body());
        assertEquals(type, body.path("error").path("type").asText(), response.body());
        assertTrue(body.path("error").path("message").asText().length() > 5, response.body());
    }

    // ---- translated through chat ----

    @Test
    void aMessageToAChatModel_isTranslated_andAnsweredInAnthropicsShape() {
        ApiResponse response = post("{\"model\":\"gpt-group\",\"max_tokens\":100,\"system\":\"Be brief.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"metadata\":{\"user_id\":\"u-1\"},\"top_k\":5}");

        assertEquals(200, response.status(), response.body());
        JsonNode message = json(response);
        assertEquals("message", message.path("type").asText());
        assertEquals("assistant", message.path("role").asText());
        assertTrue(message.path("id").asText().startsWith("msg_"));
        assertEquals("[{\"type\":\"text\",\"text\":\"Hello from fake\"}]", message.path("content").toString());
        assertEquals("end_turn", message.path("stop_reason").asText());
        assertEquals(3, message.path("usage").path("input_tokens").asInt());
        assertEquals(4, message.path("usage").path("output_tokens").asInt());
        ChatCompletionRequest sent = (ChatCompletionRequest) chat.calls.get(0).request();
        assertEquals("system", sent.messages().get(0).role());
        assertEquals("Be brief.", sent.messages().get(0).text());
        assertEquals(100, sent.maxCompletionTokens());
        assertEquals("u-1", sent.user());
        assertFalse(sent.body().has("top_k"), "OpenAI refuses top_k; only Anthropic gets it");
        assertEquals("fake/chat-1", response.headers().get("x-relay-model"));
        RequestLog log = logs.records.get(0);
        assertEquals("POST /v1/messages", log.route());
        assertEquals(200, log.status());
        assertEquals(7, log.totalTokens());
        assertEquals("u-1", log.caller().user());
    }

    @Test
    void toolCallsComeBackAsToolUseBlocks_andToolResultsGoBackAsToolMessages() {
        chat.chat = call -> new ChatCompletionResponse("chatcmpl-t", "chat.completion", 1, "chat-1", List.of(
                new ChatCompletionResponse.Choice(0, new relay.core.wire.ChatMessage("assistant", null, null,
                        List.of(new relay.core.wire.ToolCall(null, "call_1", "function", new relay.core.wire.FunctionCall("get_weather", "{\"city\":\"Paris\"}"))),
                        null, null, null), "tool_calls", null)), Usage.of(10, 5), null);

        JsonNode first = json(post("{\"model\":\"gpt-group\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"}],"
                + "\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}],"
                + "\"tool_choice\":{\"type\":\"any\"}}"));
        assertEquals("tool_use", first.path("stop_reason").asText());
        JsonNode use = first.path("content").get(0);
        assertEquals("tool_use", use.path("type").asText());
        assertEquals("call_1", use.path("id").asText());
        assertEquals("Paris", use.path("input").path("city").asText());
        ChatCompletionRequest sent = (ChatCompletionRequest) chat.calls.get(0).request();
        assertEquals("\"required\"", sent.toolChoice().toString());
        assertEquals("get_weather", sent.tools().get(0).path("function").path("name").asText());

        chat.chat = call -> Completions.response("chatcmpl-2", 1, "chat-1", "It is 18 degrees.", Usage.of(20, 5));
        JsonNode second = json(post("{\"model\":\"gpt-group\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"},"
                + "{\"role\":\"assistant\",\"content\":" + first.path("content") + "},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"call_1\",\"content\":\"18C\"}]}]}"));
        assertEquals("It is 18 degrees.", second.path("content").get(0).path("text").asText());
        ChatCompletionRequest roundTrip = (ChatCompletionRequest) chat.calls.get(1).request();
        assertEquals(List.of("user", "assistant", "tool"), roundTrip.messages().stream().map(m -> m.role()).toList());
        assertEquals("call_1", roundTrip.messages().get(1).toolCalls().get(0).id());
        assertEquals("call_1", roundTrip.messages().get(2).toolCallId());
        assertEquals("18C", roundTrip.messages().get(2).text());
    }

    @Test
    void aStreamComesAsAnthropicsEvents_eachSentBeforeTheProviderSendsTheNextChunk() {
        StreamingPathTest.RecordingSink sink = new StreamingPathTest.RecordingSink();
        List<Integer> bodiesBeforeEachChunk = new ArrayList<>();
        chat.stream = (call, out) -> {
            for (ChatCompletionChunk chunk : Completions.chunks("chatcmpl-s", 1, "chat-1", "one two", Usage.of(3, 2))) {
                bodiesBeforeEachChunk.add((int) sink.calls.stream().filter(c -> c.startsWith("event: ")).count());
                out.accept(chunk);
            }
        };
        String body = SIMPLE.replace("{\"model\"", "{\"stream\":true,\"model\"");

        api(false).handle(new ApiRequest("req-s", "POST", "/v1/messages", Map.of(), body.getBytes(StandardCharsets.UTF_8)), sink).run();

        // role chunk -> message_start + ping; "one" -> block start + delta; " two" -> delta; finish -> block stop; usage chunk -> nothing
        assertEquals(List.of(0, 2, 4, 5, 6), bodiesBeforeEachChunk, "each chunk's events are out before the next chunk comes");
        assertEquals("head 200 text/event-stream", sink.calls.get(0));
        assertEquals("end", sink.calls.get(sink.calls.size() - 1));
        var events = sse(String.join("", sink.calls.subList(1, sink.calls.size() - 1)));
        assertEquals(List.of("message_start", "ping", "content_block_start", "content_block_delta", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop"), types(events));
        assertEquals("one", events.get(3).getValue().path("delta").path("text").asText());
        assertEquals(" two", events.get(4).getValue().path("delta").path("text").asText());
        JsonNode delta = events.get(6).getValue();
        assertEquals("end_turn", delta.path("delta").path("stop_reason").asText());
        assertEquals(2, delta.path("usage").path("output_tokens").asInt());
        assertEquals(3, delta.path("usage").path("input_tokens").asInt());
        assertEquals(5, logs.records.get(0).totalTokens());
        assertTrue(logs.records.get(0).stream());
    }

    @Test
    void aFailureMidStream_endsItWithAnAnthropicErrorEvent() {
        chat.stream = (call, out) -> {
            out.accept(Completions.chunks("c", 1, "m", "partial", null).get(0));
            throw new RelayException(ErrorKind.PROVIDER_UNAVAILABLE, "fake (chat-1) broke off.");
        };

        ApiResponse response = post(SIMPLE.replace("{\"model\"", "{\"stream\":true,\"model\""));

        assertEquals(200, response.status());
        var events = sse(response.body());
        assertEquals(List.of("message_start", "ping", "error"), types(events));
        JsonNode error = events.get(2).getValue();
        assertEquals("overloaded_error", error.path("error").path("type").asText());
        assertTrue(error.path("error").path("message").asText().contains("broke off"));
        assertEquals(ErrorKind.PROVIDER_UNAVAILABLE.type(), logs.records.get(0).errorType());
    }

    @Test
    void aFailureBeforeTheStream_isAPlainAnthropicError() {
        chat.stream = (call, out) -> {
            throw new RelayException(ErrorKind.RATE_LIMIT, "fake (chat-1) is rate limited.", null, Map.of("retry-after", "7"), null);
        };

        ApiResponse response = post(SIMPLE.replace("{\"model\"", "{\"stream\":true,\"model\""));

        assertAnthropicError(response, 429, "rate_limit_error");
        assertEquals("7", response.headers().get("retry-after"));
    }

    @Test
    void mockResponse_isHonoured() {
        JsonNode message = json(post(SIMPLE.replace("}]}", "}],\"mock_response\":\"canned\"}")));
        assertEquals("canned", message.path("content").get(0).path("text").asText());
        assertTrue(chat.calls.isEmpty());
    }

    // ---- errors and authentication ----

    @Test
    void malformedBodies_getAnthropicsErrorShape_namingTheField() {
        ApiResponse noMaxTokens = post("{\"model\":\"gpt-group\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertAnthropicError(noMaxTokens, 400, "invalid_request_error");
        assertTrue(json(noMaxTokens).path("error").path("message").asText().contains("'max_tokens'"));

        ApiResponse badRole = post("{\"model\":\"gpt-group\",\"max_tokens\":5,\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}");
        assertAnthropicError(badRole, 400, "invalid_request_error");
        assertTrue(json(badRole).path("error").path("message").asText().contains("messages[0].role"));

        assertAnthropicError(post("{not json"), 400, "invalid_request_error");
        assertAnthropicError(post("[1]"), 400, "invalid_request_error");
        assertAnthropicError(post(SIMPLE.replace("gpt-group", "no-such-model")), 404, "not_found_error");
        assertTrue(chat.calls.isEmpty());
        assertEquals(5, logs.records.size());
        assertEquals(400, logs.records.get(0).status());
    }

    @Test
    void wrongMethod_is405_inAnthropicsShape() {
        ApiResponse response = api(false).handle(new ApiRequest("r", "GET", "/v1/messages", Map.of(), null));
        assertAnthropicError(response, 405, "invalid_request_error");
        assertEquals("POST", response.headers().get("allow"));
    }

    @Test
    void theKeyMayComeAsXApiKey_orAsBearer() {
        RelayApi secured = api(true);
        assertEquals(200, post(secured, "/v1/messages", SIMPLE, Map.of("x-api-key", MASTER_KEY)).status());
        assertEquals(200, post(secured, "/messages", SIMPLE, Map.of("authorization", "Bearer " + MASTER_KEY, "anthropic-version", "2023-06-01")).status());
        assertAnthropicError(post(secured, "/v1/messages", SIMPLE, Map.of("x-api-key", "wrong")), 401, "authentication_error");
        assertAnthropicError(post(secured, "/v1/messages", SIMPLE, Map.of()), 401, "authentication_error");
        assertEquals(2, chat.calls.size());
        assertEquals("master", logs.records.get(0).caller().keyAlias());
    }

    // ---- Anthropic natively ----

    static final String CLAUDE = """
            {"model":"claude-group","max_tokens":300,"num_retries":0,
             "system":[{"type":"text","text":"Long context","cache_control":{"type":"ephemeral"}}],
             "messages":[{"role":"user","content":"hi"},
               {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig-1"},{"type":"text","text":"yes"}]},
               {"role":"user","content":"go on"}],
             "thinking":{"type":"enabled","budget_tokens":1024},"top_k":3,
             "tools":[{"type":"web_search_20250305","name":"web_search"}]}""";

    @Test
    void anAnthropicDeployment_getsTheRequestAsSent_andItsAnswerUntouched() {
        ApiResponse response = post(api(false), "/v1/messages", CLAUDE, Map.of("anthropic-beta", "prompt-caching-2024-07-31",
                "anthropic-version", "2023-06-01", "x-unrelated", "no"));

        assertEquals(200, response.status(), response.body());
        assertEquals(NativeProvider.ANSWER, json(response));
        var call = anthropic.calls.get(0);
        ObjectNode expected = (ObjectNode) RelayApiTest.json(new ApiResponse(200, Map.of(), CLAUDE));
        expected.remove("num_retries");
        assertEquals(expected, call.request().body(), "the body as sent, without Relay's own fields");
        assertEquals(Map.of("anthropic-beta", "prompt-caching-2024-07-31", "anthropic-version", "2023-06-01"), call.request().headers());
        assertEquals("sk-native", call.apiKey());
        assertEquals("claude-x", call.deployment().providerModel());
        assertTrue(chat.calls.isEmpty());
        RequestLog log = logs.records.get(0);
        assertEquals("native/claude-x", log.deployment());
        assertEquals(12 + 100 + 50, log.promptTokens(), "cache reads and writes count as prompt");
        assertEquals(7, log.completionTokens());
    }

    @Test
    void anAnthropicStream_passesThroughEventByEvent() {
        StreamingPathTest.RecordingSink sink = new StreamingPathTest.RecordingSink();
        anthropic.clientEvents = () -> (int) sink.calls.stream().filter(c -> c.startsWith("event: ")).count();
        byte[] body = CLAUDE.replace("{\"model\"", "{\"stream\":true,\"model\"").getBytes(StandardCharsets.UTF_8);

        api(false).handle(new ApiRequest("req-n", "POST", "/v1/messages", Map.of(), body), sink).run();

        assertEquals("head 200 text/event-stream", sink.calls.get(0));
        var events = sse(String.join("", sink.calls.subList(1, sink.calls.size() - 1)));
        assertEquals(NativeProvider.EVENTS.size(), events.size());
        for (int i = 0; i < events.size(); i++) assertEquals(NativeProvider.EVENTS.get(i), events.get(i).getValue());
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), anthropic.sentBeforeEvent, "each event is out before the next is read");
        RequestLog log = logs.records.get(0);
        assertEquals(25, log.promptTokens());
        assertEquals(9, log.completionTokens());
    }

    @Test
    void whatOnlyAnthropicRuns_isRefusedForOtherModels_namingTheField() {
        ApiResponse response = post(CLAUDE.replace("claude-group", "gpt-group"));
        assertAnthropicError(response, 400, "invalid_request_error");
        assertTrue(json(response).path("error").path("message").asText().contains("tools[0]"), response.body());
        assertTrue(chat.calls.isEmpty());
    }

    @Test
    void whenAnthropicFailsBeforeAnswering_theFallbackAnswersThroughChat() {
        anthropic.failure = new RelayException(ErrorKind.PROVIDER_UNAVAILABLE, "native (claude-y) is overloaded.");

        ApiResponse response = post(SIMPLE.replace("gpt-group", "claude-then-gpt"));

        assertEquals(200, response.status(), response.body());
        assertEquals("Hello from fake", json(response).path("content").get(0).path("text").asText());
        assertEquals("fake/chat-1", logs.records.get(0).deployment());
    }

    @Test
    void countTokens_estimatesAsRelayDoesElsewhere() {
        ApiResponse response = post(api(false), "/v1/messages/count_tokens", "{\"model\":\"gpt-group\",\"system\":\"abcd\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"efgh\"}]}", Map.of());

        assertEquals(200, response.status(), response.body());
        assertEquals(Completions.estimateTokens("abcd\nefgh\n"), json(response).path("input_tokens").asInt());
        assertTrue(chat.calls.isEmpty());
        assertAnthropicError(post(api(false), "/v1/messages/count_tokens", "{\"model\":\"gpt-group\"}", Map.of()), 400, "invalid_request_error");
    }

    /** A provider that speaks Anthropic's Messages API natively, with canned answers. */
    static final class NativeProvider implements Provider {
        static final JsonNode ANSWER = parse("{\"id\":\"msg_native\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-x\","
                + "\"content\":[{\"type\":\"thinking\",\"thinking\":\"t\",\"signature\":\"sig-2\"},{\"type\":\"text\",\"text\":\"native\"}],"
                + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":100,"
                + "\"cache_read_input_tokens\":50,\"output_tokens\":7}}");
        static final List<JsonNode> EVENTS = List.of(
                parse("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_n\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[],\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}"),
                parse("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}"),
                parse("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"sig-3\"}}"),
                parse("{\"type\":\"content_block_stop\",\"index\":0}"),
                parse("{\"type\":\"some_future_event\",\"x\":1}"),
                parse("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}"),
                parse("{\"type\":\"message_stop\"}"));

        final List<ProviderCall<NativeMessages.Request>> calls = new CopyOnWriteArrayList<>();
        final List<Integer> sentBeforeEvent = new ArrayList<>();
        volatile RelayException failure;
        volatile JsonNode answer = ANSWER;
        volatile List<JsonNode> streamed = EVENTS;
        /** How many events the client has been sent so far. */
        volatile java.util.function.IntSupplier clientEvents = () -> -1;

        static JsonNode parse(String json) {
            try {
                return Json.MAPPER.readTree(json);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public String name() { return "native"; }

        @Override
        public String defaultKeyName() { return "NATIVE_KEY"; }

        @Override
        public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
            throw new AssertionError("a Messages request to this provider must go natively");
        }

        @Override
        public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
            throw new AssertionError("a Messages request to this provider must go natively");
        }

        @Override
        public NativeMessages nativeMessages(relay.core.provider.Deployment deployment) {
            return new NativeMessages() {
                @Override
                public JsonNode create(ProviderCall<Request> call) {
                    calls.add(call);
                    if (failure != null) throw failure;
                    return answer;
                }

                @Override
                public void stream(ProviderCall<Request> call, Consumer<JsonNode> events) {
                    calls.add(call);
                    if (failure != null) throw failure;
                    for (JsonNode event : streamed) {
                        sentBeforeEvent.add(clientEvents.getAsInt());
                        events.accept(event);
                    }
                }

                /** The message's text blocks as the content, as Anthropic's adapter reads a plain answer. */
                @Override
                public ChatCompletionResponse chatForm(JsonNode message) {
                    StringBuilder text = new StringBuilder();
                    for (JsonNode block : message.path("content")) text.append(block.path("text").asText());
                    return Completions.response(message.path("id").asText(), 0, message.path("model").asText(), text.toString(),
                            relay.core.messages.ChatToMessages.usageOf(message.path("usage")));
                }
            };
        }
    }
}
