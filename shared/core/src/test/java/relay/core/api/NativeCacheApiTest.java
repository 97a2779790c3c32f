package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.core.cache.CacheSettings;
import relay.core.cache.InMemoryResponseCache;
import relay.core.cache.ResponseCaching;
import relay.core.cache.SemanticPolicy;
import relay.core.config.RelayConfig;
import relay.core.gateway.Gateway;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.log.RequestLog;
import relay.core.messages.MessagesEndpoint;
import relay.core.provider.ModelRouter;
import relay.core.provider.NativeResponses;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.responses.InMemoryResponseStore;
import relay.core.responses.ResponsesEndpoint;
import relay.core.responses.ResponsesToChat;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;

/**
 * The response cache on the native paths: {@code /v1/messages} to a provider that speaks Messages and
 * {@code /v1/responses} to one that speaks Responses are looked up and stored as chat is, whole and streamed, and a
 * request the chat translation cannot carry is never cached.
 */
class NativeCacheApiTest {
    static final String CONFIG = """
            model_list:
              - model_name: claude-group
                litellm_params: {model: native/claude-x, api_key: os.environ/NATIVE_KEY}
              - model_name: gpt-native
                litellm_params: {model: oai/gpt-x, api_key: os.environ/NATIVE_KEY}
            router_settings: {num_retries: 0}
            """;
    static final String MESSAGES = "{\"model\":\"claude-group\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final JsonNode PLAIN_MESSAGE = MessagesApiTest.NativeProvider.parse("""
            {"id":"msg_native","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"cached words"}],
             "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":7}}""");
    static final List<JsonNode> PLAIN_EVENTS = List.of(
            MessagesApiTest.NativeProvider.parse("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_n\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[],\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}"),
            MessagesApiTest.NativeProvider.parse("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
            MessagesApiTest.NativeProvider.parse("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"streamed \"}}"),
            MessagesApiTest.NativeProvider.parse("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"words\"}}"),
            MessagesApiTest.NativeProvider.parse("{\"type\":\"content_block_stop\",\"index\":0}"),
            MessagesApiTest.NativeProvider.parse("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}"),
            MessagesApiTest.NativeProvider.parse("{\"type\":\"message_stop\"}"));
    static final String RESPONSES = "{\"model\":\"gpt-native\",\"input\":\"hi\"}";
    static final JsonNode RESPONSE = MessagesApiTest.NativeProvider.parse("""
            {"id":"resp_up","object":"response","created_at":1700000001,"status":"completed","model":"gpt-x",
             "output":[{"type":"reasoning","id":"rs_1","summary":[]},
               {"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"native words","annotations":[]}]},
               {"type":"function_call","id":"fc_1","call_id":"call_1","name":"lookup","arguments":"{\\"q\\":1}","status":"completed"}],
             "usage":{"input_tokens":20,"input_tokens_details":{"cached_tokens":0},"output_tokens":6,
               "output_tokens_details":{"reasoning_tokens":2},"total_tokens":26}}""");

    final MessagesApiTest.NativeProvider anthropic = new MessagesApiTest.NativeProvider();
    final OpenAiNative openai = new OpenAiNative();
    final RelayApiTest.RecordingLogs logs = new RelayApiTest.RecordingLogs();
    final AtomicInteger ids = new AtomicInteger();
    final RelayApi api = api();

    RelayApi api() {
        RelayConfig config = RelayConfig.parse(CONFIG);
        ModelRouter models = new ModelRouter(config, List.of(anthropic, openai), Duration.ofSeconds(5));
        Clock clock = Clock.systemUTC();
        Router router = new Router(models, RouterPolicy.from(config), clock, new java.util.SplittableRandom(1));
        var caching = new ResponseCaching(CacheSettings.from(true, Map.of("type", "local")),
                new InMemoryResponseCache(SemanticPolicy.cosine(1), clock), null);
        Gateway gateway = new Gateway(models, router, new EnvironmentKeyStore(Map.of("NATIVE_KEY", "sk-native")), clock, false, caching);
        Authenticator auth = new Authenticator(new EnvironmentKeyStore(Map.of()), null, false);
        return new RelayApi(gateway, models, auth, logs, clock, Duration.ofDays(1)).withEndpoints(List.of(new MessagesEndpoint(gateway),
                new ResponsesEndpoint(gateway, new InMemoryResponseStore(clock, 100), clock, Duration.ofDays(1))));
    }

    ApiResponse post(String path, String body) {
        return api.handle(new ApiRequest("req-" + ids.incrementAndGet(), "POST", path, Map.of(), body.getBytes(StandardCharsets.UTF_8)));
    }

    StreamingPathTest.RecordingSink stream(String path, String body) {
        StreamingPathTest.RecordingSink sink = new StreamingPathTest.RecordingSink();
        api.handle(new ApiRequest("req-" + ids.incrementAndGet(), "POST", path, Map.of(),
                body.replace("{\"model\"", "{\"stream\":true,\"model\"").getBytes(StandardCharsets.UTF_8)), sink).run();
        return sink;
    }

    static String body(StreamingPathTest.RecordingSink sink) {
        return String.join("", sink.calls.subList(1, sink.calls.size() - 1));
    }

    static void assertHit(Map<String, String> headers, RequestLog log) {
        assertEquals("hit-exact", headers.get("x-relay-cache"));
        assertEquals("0", headers.get("x-relay-cost-usd"), "a hit costs nothing");
        assertEquals(0, log.costUsd().signum());
    }

    // ---- /v1/messages to a provider that speaks Messages ----

    @Test
    void aRepeatedMessage_isAnsweredFromTheCache_inAnthropicsShape_withTheStoredUsage() {
        anthropic.answer = PLAIN_MESSAGE;

        ApiResponse first = post("/v1/messages", MESSAGES);
        ApiResponse second = post("/v1/messages", MESSAGES);

        assertEquals(200, first.status(), first.body());
        assertEquals("miss", first.headers().get("x-relay-cache"));
        assertEquals(PLAIN_MESSAGE, RelayApiTest.json(first), "the miss is the native answer, untouched");
        assertEquals(200, second.status(), second.body());
        assertEquals(1, anthropic.calls.size(), "the provider answered once");
        assertHit(second.headers(), logs.records.get(1));
        JsonNode hit = RelayApiTest.json(second);
        assertEquals("message", hit.path("type").asText());
        assertEquals("assistant", hit.path("role").asText());
        assertEquals(List.of(Map.of("type", "text", "text", "cached words")),
                Json.MAPPER.convertValue(hit.path("content"), List.class));
        assertEquals("end_turn", hit.path("stop_reason").asText());
        assertEquals(12, hit.path("usage").path("input_tokens").asInt());
        assertEquals(7, hit.path("usage").path("output_tokens").asInt());
        assertEquals(12, logs.records.get(1).promptTokens());
    }

    @Test
    void aRepeatedStreamedMessage_isReplayedAsAnthropicsEvents() {
        anthropic.streamed = PLAIN_EVENTS;

        StreamingPathTest.RecordingSink first = stream("/v1/messages", MESSAGES);
        StreamingPathTest.RecordingSink second = stream("/v1/messages", MESSAGES);

        assertEquals("miss", first.headers.get("x-relay-cache"));
        assertEquals(1, anthropic.calls.size(), "the provider streamed once");
        assertHit(second.headers, logs.records.get(1));
        var events = MessagesApiTest.sse(body(second));
        assertEquals("message_start", events.get(0).getKey());
        assertEquals("message_stop", events.get(events.size() - 1).getKey());
        StringBuilder text = new StringBuilder();
        events.stream().filter(e -> e.getKey().equals("content_block_delta"))
                .forEach(e -> text.append(e.getValue().path("delta").path("text").asText()));
        assertEquals("streamed words", text.toString());
        assertEquals(25, logs.records.get(1).promptTokens(), "the usage the stream reported");
        assertEquals(9, logs.records.get(1).completionTokens());
        // the whole and the streamed request share the entry, as chat's do
        ApiResponse whole = post("/v1/messages", MESSAGES);
        assertEquals("hit-exact", whole.headers().get("x-relay-cache"));
        assertEquals(1, anthropic.calls.size());
    }

    @Test
    void anAnswerWithThinking_isNotStored_forChatsShapeCannotCarryItsSignature() {
        // the canned answer has a signed thinking block
        post("/v1/messages", MESSAGES);
        ApiResponse second = post("/v1/messages", MESSAGES);

        assertEquals("miss", second.headers().get("x-relay-cache"));
        assertEquals(2, anthropic.calls.size());
    }

    @Test
    void whatOnlyTheNativeBodySays_isPartOfTheKey() {
        anthropic.answer = PLAIN_MESSAGE;
        post("/v1/messages", MESSAGES);

        ApiResponse topK = post("/v1/messages", MESSAGES.replace("{\"model\"", "{\"top_k\":3,\"model\""));
        ApiResponse beta = api.handle(new ApiRequest("req-beta", "POST", "/v1/messages", Map.of("anthropic-beta", "some-beta"),
                MESSAGES.getBytes(StandardCharsets.UTF_8)));
        ApiResponse cacheControl = post("/v1/messages", MESSAGES.replace("\"content\":\"hi\"",
                "\"content\":[{\"type\":\"text\",\"text\":\"hi\",\"cache_control\":{\"type\":\"ephemeral\"}}]"));

        assertEquals("miss", topK.headers().get("x-relay-cache"));
        assertEquals("miss", beta.headers().get("x-relay-cache"));
        assertEquals("hit-exact", cacheControl.headers().get("x-relay-cache"), "prompt caching does not change the answer");
        assertEquals(3, anthropic.calls.size());
    }

    // ---- /v1/responses to a provider that speaks Responses ----

    @Test
    void aRepeatedResponse_isAnsweredFromTheCache_inTheResponsesShape_withTheStoredUsage() {
        ApiResponse first = post("/v1/responses", RESPONSES);
        ApiResponse second = post("/v1/responses", RESPONSES);

        assertEquals(200, first.status(), first.body());
        assertEquals("miss", first.headers().get("x-relay-cache"));
        assertEquals("resp_up", RelayApiTest.json(first).path("id").asText());
        assertEquals(200, second.status(), second.body());
        assertEquals(1, openai.calls.size(), "the provider answered once");
        assertHit(second.headers(), logs.records.get(1));
        JsonNode hit = RelayApiTest.json(second);
        assertEquals("response", hit.path("object").asText());
        assertEquals("completed", hit.path("status").asText());
        assertNotEquals("resp_up", hit.path("id").asText(), "a response of its own");
        List<String> types = hit.path("output").findValues("type").stream().map(JsonNode::asText).toList();
        assertTrue(types.contains("message") && types.contains("function_call"), hit.toString());
        assertEquals("native words", hit.path("output").findValue("text").asText());
        assertEquals("call_1", hit.path("output").findValue("call_id").asText());
        assertEquals(20, hit.path("usage").path("input_tokens").asInt());
        assertEquals(6, hit.path("usage").path("output_tokens").asInt());
        assertEquals(2, hit.path("usage").path("output_tokens_details").path("reasoning_tokens").asInt());
        // kept in Relay's store like any response
        ApiResponse read = api.handle(new ApiRequest("req-get", "GET", "/v1/responses/" + hit.path("id").asText(), Map.of(), new byte[0]));
        assertEquals(200, read.status(), read.body());
    }

    @Test
    void aRepeatedStreamedResponse_isReplayedAsResponsesEvents() {
        StreamingPathTest.RecordingSink first = stream("/v1/responses", RESPONSES);
        StreamingPathTest.RecordingSink second = stream("/v1/responses", RESPONSES);

        assertEquals("miss", first.headers.get("x-relay-cache"));
        assertEquals(1, openai.calls.size(), "the provider streamed once");
        assertHit(second.headers, logs.records.get(1));
        String events = body(second);
        assertTrue(events.startsWith("event: response.created"), events);
        assertTrue(events.contains("event: response.output_text.delta"), events);
        JsonNode completed = null;
        for (String event : events.split("\n\n")) {
            if (event.startsWith("event: response.completed")) completed = MessagesApiTest.NativeProvider.parse(event.substring(event.indexOf("data: ") + 6));
        }
        assertTrue(completed != null, events);
        assertEquals("native words", completed.path("response").path("output").findValue("text").asText());
        assertEquals(20, completed.path("response").path("usage").path("input_tokens").asInt());
    }

    @Test
    void aResponseWithAHostedTool_isNeverCached() {
        String body = "{\"model\":\"gpt-native\",\"input\":\"hi\",\"tools\":[{\"type\":\"web_search\"}]}";

        ApiResponse first = post("/v1/responses", body);
        ApiResponse second = post("/v1/responses", body);

        assertEquals(200, second.status(), second.body());
        assertEquals(2, openai.calls.size(), "the provider answered both");
        assertEquals("off", first.headers().get("x-relay-cache"));
        assertEquals("off", second.headers().get("x-relay-cache"));
    }

    @Test
    void aNoStoreRequest_isNotStored_andAResponseFieldChatDrops_isPartOfTheKey() {
        post("/v1/responses", RESPONSES.replace("{\"model\"", "{\"cache\":{\"no-store\":true},\"model\""));
        assertEquals("miss", post("/v1/responses", RESPONSES).headers().get("x-relay-cache"));
        ApiResponse verbose = post("/v1/responses", RESPONSES.replace("{\"model\"", "{\"text\":{\"verbosity\":\"high\"},\"model\""));

        assertEquals("miss", verbose.headers().get("x-relay-cache"));
        assertEquals(3, openai.calls.size());
        assertEquals("hit-exact", post("/v1/responses", RESPONSES).headers().get("x-relay-cache"));
    }

    @Test
    void aResponseObject_readsAsChat() {
        ChatCompletionResponse chat = ResponsesToChat.chatForm(RESPONSE);
        var message = chat.choices().get(0).message();
        assertEquals("native words", message.text());
        assertEquals("lookup", message.toolCalls().get(0).function().name());
        assertEquals("tool_calls", chat.choices().get(0).finishReason());
        assertEquals(26, chat.usage().totalTokens());
        ObjectNode incomplete = RESPONSE.deepCopy();
        incomplete.put("status", "incomplete").putObject("incomplete_details").put("reason", "max_output_tokens");
        assertEquals("length", ResponsesToChat.chatForm(incomplete).choices().get(0).finishReason());
        ObjectNode summarized = RESPONSE.deepCopy();
        ((ObjectNode) summarized.path("output").get(0)).putArray("summary").addObject().put("type", "summary_text").put("text", "thought");
        assertEquals("thought", ResponsesToChat.chatForm(summarized).choices().get(0).message().reasoningContent());
        ObjectNode hosted = RESPONSE.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) hosted.get("output")).addObject().put("type", "web_search_call");
        assertEquals(null, ResponsesToChat.chatForm(hosted), "a hosted tool's call has no chat form");
    }

    /** A provider that speaks the Responses API natively, with a canned answer and stream. */
    static final class OpenAiNative implements Provider {
        final List<ProviderCall<ObjectNode>> calls = new CopyOnWriteArrayList<>();

        @Override
        public String name() { return "oai"; }

        @Override
        public String defaultKeyName() { return "NATIVE_KEY"; }

        @Override
        public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
            throw new AssertionError("a Responses request to this provider must go natively");
        }

        @Override
        public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
            throw new AssertionError("a Responses request to this provider must go natively");
        }

        @Override
        public NativeResponses nativeResponses(relay.core.provider.Deployment deployment) {
            return new NativeResponses() {
                @Override
                public JsonNode create(ProviderCall<ObjectNode> call) {
                    calls.add(call);
                    return RESPONSE.deepCopy();
                }

                @Override
                public void stream(ProviderCall<ObjectNode> call, Consumer<JsonNode> events) {
                    calls.add(call);
                    ObjectNode created = RESPONSE.deepCopy();
                    created.put("status", "in_progress").putArray("output");
                    events.accept(Json.object().put("type", "response.created").put("sequence_number", 0).set("response", created));
                    events.accept(Json.object().put("type", "response.output_text.delta").put("sequence_number", 1).put("delta", "native words"));
                    events.accept(Json.object().put("type", "response.completed").put("sequence_number", 2).set("response", RESPONSE.deepCopy()));
                }
            };
        }
    }
}
