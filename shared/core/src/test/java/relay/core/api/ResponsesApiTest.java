package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import relay.core.config.RelayConfig;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.Gateway;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.provider.Completions;
import relay.core.provider.ModelRouter;
import relay.core.responses.InMemoryResponseStore;
import relay.core.responses.ResponseStore;
import relay.core.responses.ResponsesEndpoint;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.FunctionCall;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;

/** {@code /v1/responses} through RelayApi over a chat provider, with an in-memory store of responses. */
class ResponsesApiTest {
    static final String CONFIG = """
            model_list:
              - model_name: gpt-group
                litellm_params: {model: fake/chat-1, api_key: os.environ/FAKE_KEY}
            router_settings: {num_retries: 0}
            """;
    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    final RelayApiTest.FakeProvider chat = new RelayApiTest.FakeProvider();
    final RelayApiTest.RecordingLogs logs = new RelayApiTest.RecordingLogs();
    final AtomicInteger ids = new AtomicInteger();
    final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    final ResponseStore store = new InMemoryResponseStore(clock, 100);

    RelayApi api(String masterKey) {
        RelayConfig config = RelayConfig.parse(CONFIG);
        ModelRouter models = new ModelRouter(config, List.of(chat), Duration.ofSeconds(5));
        Router router = new Router(models, RouterPolicy.from(config), clock, new java.util.SplittableRandom(1));
        Gateway gateway = new Gateway(models, router, new EnvironmentKeyStore(Map.of("FAKE_KEY", "sk-fake")), clock, false);
        Authenticator auth = masterKey == null ? new Authenticator(new EnvironmentKeyStore(Map.of()), null, false)
                : new Authenticator(new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", masterKey)), null, true);
        return new RelayApi(gateway, models, auth, logs, clock, Duration.ofDays(1))
                .withEndpoints(List.of(new ResponsesEndpoint(gateway, store, clock, ResponsesEndpoint.DEFAULT_RETENTION)));
    }

    final RelayApi api = api(null);

    ApiResponse send(RelayApi target, String method, String path, String body, Map<String, String> headers) {
        return target.handle(new ApiRequest("req-" + ids.incrementAndGet(), method, path, headers,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8)));
    }

    ApiResponse post(String body) {
        return send(api, "POST", "/v1/responses", body, Map.of());
    }

    static JsonNode json(ApiResponse response) {
        return RelayApiTest.json(response);
    }

    ChatCompletionRequest sentToProvider(int call) {
        return (ChatCompletionRequest) chat.calls.get(call).request();
    }

    @Test
    void aResponse_isAnsweredInTheResponsesShape_stored_andReadBack() {
        ApiResponse created = post("{\"model\":\"gpt-group\",\"input\":\"hi\",\"instructions\":\"Be brief.\",\"max_output_tokens\":50}");

        assertEquals(200, created.status(), created.body());
        JsonNode response = json(created);
        assertTrue(response.path("id").asText().startsWith("resp_"));
        assertEquals("response", response.path("object").asText());
        assertEquals("completed", response.path("status").asText());
        assertEquals(NOW.getEpochSecond(), response.path("created_at").asLong());
        JsonNode message = response.path("output").get(0);
        assertEquals("message", message.path("type").asText());
        assertEquals("Hello from fake", message.path("content").get(0).path("text").asText());
        assertEquals(3, response.path("usage").path("input_tokens").asInt());
        assertEquals(7, response.path("usage").path("total_tokens").asInt());
        ChatCompletionRequest sent = sentToProvider(0);
        assertEquals("Be brief.", sent.messages().get(0).text());
        assertEquals(50, sent.maxCompletionTokens());
        assertEquals("POST /v1/responses", logs.records.get(0).route());
        assertEquals(7, logs.records.get(0).totalTokens());

        ApiResponse read = send(api, "GET", "/v1/responses/" + response.path("id").asText(), null, Map.of());
        assertEquals(200, read.status(), read.body());
        assertEquals(response, json(read));
        ApiResponse items = send(api, "GET", "/v1/responses/" + response.path("id").asText() + "/input_items", null, Map.of());
        assertEquals("hi", json(items).path("data").get(0).path("content").asText());

        ApiResponse deleted = send(api, "DELETE", "/v1/responses/" + response.path("id").asText(), null, Map.of());
        assertTrue(json(deleted).path("deleted").asBoolean());
        RelayApiTest.assertError(send(api, "GET", "/v1/responses/" + response.path("id").asText(), null, Map.of()), 404,
                "invalid_request_error", "not_found");
        assertEquals(1, logs.records.size(), "reading back stored responses is not traffic");
    }

    @Test
    void previousResponseId_continuesTheConversation_throughAFunctionCallRoundTrip() {
        chat.chat = call -> new ChatCompletionResponse("chatcmpl-t", "chat.completion", 1, "chat-1", List.of(
                new ChatCompletionResponse.Choice(0, new ChatMessage("assistant", null, null,
                        List.of(new ToolCall(null, "call_1", "function", new FunctionCall("get_weather", "{\"city\":\"Paris\"}"))),
                        null, null, null), "tool_calls", null)), Usage.of(10, 5), null);
        JsonNode first = json(post("{\"model\":\"gpt-group\",\"input\":\"Weather in Paris?\",\"instructions\":\"Use tools.\","
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}],"
                + "\"tool_choice\":\"required\"}"));
        JsonNode call = first.path("output").get(0);
        assertEquals("function_call", call.path("type").asText());
        assertEquals("call_1", call.path("call_id").asText());
        assertEquals("get_weather", call.path("name").asText());
        assertEquals("\"required\"", sentToProvider(0).toolChoice().toString());

        chat.chat = c -> Completions.response("chatcmpl-2", 1, "chat-1", "18 degrees.", Usage.of(20, 3));
        JsonNode second = json(post("{\"model\":\"gpt-group\",\"previous_response_id\":\"" + first.path("id").asText() + "\","
                + "\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"18C\"}]}"));

        assertEquals("18 degrees.", second.path("output").get(0).path("content").get(0).path("text").asText());
        assertEquals(first.path("id").asText(), second.path("previous_response_id").asText());
        List<ChatMessage> conversation = sentToProvider(1).messages();
        assertEquals(List.of("user", "assistant", "tool"), conversation.stream().map(ChatMessage::role).toList(),
                "the earlier turns, without the earlier instructions");
        assertEquals("Weather in Paris?", conversation.get(0).text());
        assertEquals("call_1", conversation.get(1).toolCalls().get(0).id());
        assertEquals("18C", conversation.get(2).text());
    }

    @Test
    void storeFalse_keepsNothing_andAnUnknownPreviousResponseIs404() {
        JsonNode response = json(post("{\"model\":\"gpt-group\",\"input\":\"hi\",\"store\":false}"));
        assertFalse(response.path("store").asBoolean());
        RelayApiTest.assertError(send(api, "GET", "/v1/responses/" + response.path("id").asText(), null, Map.of()), 404,
                "invalid_request_error", "not_found");

        ApiResponse followUp = post("{\"model\":\"gpt-group\",\"input\":\"more\",\"previous_response_id\":\"" + response.path("id").asText() + "\"}");
        RelayApiTest.assertError(followUp, 404, "invalid_request_error", "not_found");
        assertEquals("previous_response_id", json(followUp).path("error").path("param").asText());
        assertEquals(1, chat.calls.size());
    }

    @Test
    void aStoredResponse_isReadableOnlyWithTheKeyThatCreatedIt() {
        RelayApi alice = api("alice-key-0123456789");
        RelayApi bob = api("bob-key-0123456789");
        JsonNode response = json(send(alice, "POST", "/v1/responses", "{\"model\":\"gpt-group\",\"input\":\"secret\"}",
                Map.of("authorization", "Bearer alice-key-0123456789")));
        String path = "/v1/responses/" + response.path("id").asText();

        assertEquals(200, send(alice, "GET", path, null, Map.of("authorization", "Bearer alice-key-0123456789")).status());
        RelayApiTest.assertError(send(bob, "GET", path, null, Map.of("authorization", "Bearer bob-key-0123456789")), 404,
                "invalid_request_error", "not_found");
        RelayApiTest.assertError(send(alice, "GET", path, null, Map.of()), 401, "authentication_error", "invalid_api_key");
    }

    @Test
    void aStream_comesAsTheResponsesEvents_eachSentBeforeTheNextChunk_andIsStored() {
        StreamingPathTest.RecordingSink sink = new StreamingPathTest.RecordingSink();
        List<Integer> eventsBeforeEachChunk = new ArrayList<>();
        chat.stream = (call, out) -> {
            for (ChatCompletionChunk chunk : Completions.chunks("chatcmpl-s", 1, "chat-1", "one two", Usage.of(3, 2))) {
                eventsBeforeEachChunk.add((int) sink.calls.stream().filter(c -> c.startsWith("event: ")).count());
                out.accept(chunk);
            }
        };
        byte[] body = "{\"model\":\"gpt-group\",\"input\":\"hi\",\"stream\":true}".getBytes(StandardCharsets.UTF_8);

        api.handle(new ApiRequest("req-s", "POST", "/v1/responses", Map.of(), body), sink).run();

        // role chunk -> created, in_progress; "one" -> item added, part added, delta; " two" -> delta; finish -> 3 done events
        assertEquals(List.of(0, 2, 5, 6, 9), eventsBeforeEachChunk, "each chunk's events are out before the next chunk comes");
        var events = MessagesApiTest.sse(String.join("", sink.calls.subList(1, sink.calls.size() - 1)));
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                "response.output_item.done", "response.completed"), MessagesApiTest.types(events));
        JsonNode completed = events.get(events.size() - 1).getValue().path("response");
        assertEquals("one two", completed.path("output").get(0).path("content").get(0).path("text").asText());
        assertEquals(5, completed.path("usage").path("total_tokens").asInt());
        for (int i = 0; i < events.size(); i++) assertEquals(i, events.get(i).getValue().path("sequence_number").asInt());
        assertEquals(200, send(api, "GET", "/v1/responses/" + completed.path("id").asText(), null, Map.of()).status());
    }

    @Test
    void aFailureMidStream_endsItWithAnErrorEvent_thenResponseFailed_numberedInSequence() {
        chat.stream = (call, out) -> {
            out.accept(Completions.chunks("c", 1, "m", "partial", null).get(1));
            throw new RelayException(ErrorKind.PROVIDER_ERROR, "fake (chat-1) broke off.");
        };

        ApiResponse response = post("{\"model\":\"gpt-group\",\"input\":\"hi\",\"stream\":true}");

        var events = MessagesApiTest.sse(response.body());
        var error = events.get(events.size() - 2);
        var failed = events.get(events.size() - 1);
        assertEquals("error", error.getKey());
        assertEquals("provider_error", error.getValue().path("code").asText());
        assertEquals("response.failed", failed.getKey());
        assertEquals("failed", failed.getValue().path("response").path("status").asText());
        assertEquals("provider_error", failed.getValue().path("response").path("error").path("code").asText());
        // the SDKs validate every event's sequence_number: the failure's follow the stream's own
        for (int i = 0; i < events.size(); i++) assertEquals(i, events.get(i).getValue().path("sequence_number").asInt());
        assertFalse(MessagesApiTest.types(events).contains("response.completed"));
    }

    @Test
    void hostedToolsAndMalformedBodies_areRefusedInOpenAisShape_namingTheField() {
        ApiResponse hosted = post("{\"model\":\"gpt-group\",\"input\":\"hi\",\"tools\":[{\"type\":\"web_search\"}]}");
        RelayApiTest.assertError(hosted, 400, "invalid_request_error", null);
        assertEquals("tools[0].type", json(hosted).path("error").path("param").asText());
        assertTrue(json(hosted).path("error").path("message").asText().contains("hosted tool"));

        ApiResponse badItem = post("{\"model\":\"gpt-group\",\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}");
        RelayApiTest.assertError(badItem, 400, "invalid_request_error", null);
        assertEquals("input[0].call_id", json(badItem).path("error").path("param").asText());

        RelayApiTest.assertError(post("nope"), 400, "invalid_request_error", null);
        RelayApiTest.assertError(send(api, "GET", "/v1/responses", null, Map.of()), 405, "invalid_request_error", "method_not_allowed");
        assertTrue(chat.calls.isEmpty());
    }

    @Test
    void reasoningEffortAndJsonSchema_reachTheChatRequest() {
        post("{\"model\":\"gpt-group\",\"input\":\"hi\",\"reasoning\":{\"effort\":\"low\"},"
                + "\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"a\",\"schema\":{\"type\":\"object\"}}}}");
        ChatCompletionRequest sent = sentToProvider(0);
        assertEquals("low", sent.body().path("reasoning_effort").asText());
        assertEquals("json_schema", sent.responseFormat().path("type").asText());
        assertEquals("a", sent.responseFormat().path("json_schema").path("name").asText());
    }
}
