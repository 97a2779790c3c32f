package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.models.responses.Response;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.ResponseCreateParams;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.testing.FakeOpenAi;

/**
 * {@code /v1/responses} to OpenAI and Azure OpenAI deployments goes through natively (real loopback upstreams, the
 * local server, raw HTTP and OpenAI's Java SDK): the body as sent but for the model and Relay's fields, the answer and
 * the stream's events untouched, usage, cost and the log as for chat, Relay's store of responses, and a fallback to a
 * deployment that takes the request through chat.
 */
class NativeResponsesTest {
    static FakeOpenAi openai;
    static FakeOpenAi azure;
    static LocalServer server;
    static OpenAIClient sdk;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        openai = FakeOpenAi.start();
        azure = FakeOpenAi.start();
        server = TestRelay.start("""
                model_list:
                  - model_name: gpt
                    litellm_params: {model: openai/gpt-4o, api_base: %s}
                  - model_name: az
                    litellm_params: {model: azure/my-gpt4o, api_base: %s, api_version: 2025-04-01-preview}
                  - model_name: chat-only
                    litellm_params: {model: together_ai/gpt-4o, api_base: %s}
                router_settings:
                  num_retries: 0
                """.formatted(openai.baseUrl(), azure.origin(), openai.baseUrl()),
                Map.of("OPENAI_API_KEY", "sk-openai-native-0123456789", "AZURE_API_KEY", "azure-key-0123456789",
                        "TOGETHERAI_API_KEY", "tg-key-0123456789"));
        sdk = TestRelay.sdk(server);
    }

    @AfterAll
    static void stop() {
        server.close();
        openai.close();
        azure.close();
    }

    @BeforeEach
    void clean() {
        openai.reset();
        azure.reset();
    }

    static HttpResponse<String> post(String body) throws Exception {
        return http.send(request(body), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest request(String body) {
        return HttpRequest.newBuilder(URI.create(server.url() + "/v1/responses")).header("content-type", "application/json")
                .header("authorization", "Bearer " + TestRelay.MASTER_KEY).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    static final String BODY = """
            {"model":"gpt","input":"search the news","tools":[{"type":"web_search"}],"include":["reasoning.encrypted_content"],
             "a_future_field":{"x":[1,2]},"metadata":{"team":"red","tags":["relay-only"]},"fallbacks":["chat-only"],"num_retries":0}""";

    static final String ANSWER = """
            {"id":"resp_upstream1","object":"response","created_at":1700000001,"status":"completed","model":"gpt-4o-2024-08-06",
             "output":[{"type":"web_search_call","id":"ws_1","status":"completed"},
               {"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"News.","annotations":[]}]}],
             "previous_response_id":null,"store":true,"a_new_output_field":true,
             "usage":{"input_tokens":1200,"input_tokens_details":{"cached_tokens":1024},"output_tokens":50,
               "output_tokens_details":{"reasoning_tokens":32},"total_tokens":1250}}""";

    @Test
    void aRequest_reachesOpenAiAsSent_butForTheModelAndRelaysFields_andItsAnswerComesBackUntouched() throws Exception {
        openai.enqueue(new FakeOpenAi.Reply.Status(200, ANSWER, Map.of()));

        HttpResponse<String> answer = post(BODY);

        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals(json(ANSWER), json(answer.body()), "the answer untouched");
        var sent = openai.lastRequest();
        assertEquals("/v1/responses", sent.path());
        assertEquals("Bearer sk-openai-native-0123456789", sent.headers().get("authorization"));
        ObjectNode expected = (ObjectNode) json(BODY);
        expected.put("model", "gpt-4o");
        expected.remove(List.of("fallbacks", "num_retries"));
        ((ObjectNode) expected.get("metadata")).remove("tags");
        assertEquals(expected, json(sent.body()), "hosted tools, include and unknown fields survive; Relay's own fields do not");

        // 176 * 2.5e-06 + 1024 * 1.25e-06 (gpt-4o's cache-read price) + 50 * 1e-05
        assertEquals("0.00222", answer.headers().firstValue("x-relay-cost-usd").orElseThrow());
        assertEquals("openai/gpt-4o", answer.headers().firstValue("x-relay-model").orElseThrow());
        var log = TestRelay.log(server, answer.headers().firstValue("x-relay-request-id").orElseThrow());
        assertEquals("POST /v1/responses", log.route());
        assertEquals(1200, log.promptTokens());
        assertEquals(50, log.completionTokens());
        assertEquals(0, new java.math.BigDecimal("0.00222").compareTo(log.costUsd()));

        Response read = sdk.responses().retrieve("resp_upstream1");
        assertEquals("resp_upstream1", read.id(), "kept in Relay's store under the provider's id");
    }

    @Test
    void azure_getsTheRequestAtItsResponsesPath_withTheDeploymentAsModel() throws Exception {
        HttpResponse<String> answer = post("{\"model\":\"az\",\"input\":\"hello azure\",\"tools\":[{\"type\":\"code_interpreter\",\"container\":{\"type\":\"auto\"}}]}");

        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("Echo: hello azure", json(answer.body()).path("output").get(0).path("content").get(0).path("text").asText());
        var sent = azure.lastRequest();
        assertEquals("/openai/responses", sent.path());
        assertEquals("api-version=2025-04-01-preview", sent.query());
        assertEquals("azure-key-0123456789", sent.headers().get("api-key"));
        assertEquals("my-gpt4o", json(sent.body()).path("model").asText());
        assertEquals("code_interpreter", json(sent.body()).path("tools").get(0).path("type").asText());
    }

    @Test
    void aFailingOpenAiDeployment_fallsBackToOneThatTakesTheRequestThroughChat() throws Exception {
        openai.enqueue(new FakeOpenAi.Reply.Status(503, FakeOpenAi.errorBody("overloaded", "server_error", null), Map.of()));

        HttpResponse<String> answer = post("{\"model\":\"gpt\",\"input\":\"fall back please\",\"fallbacks\":[\"chat-only\"]}");

        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("together_ai/gpt-4o", answer.headers().firstValue("x-relay-model").orElseThrow());
        assertEquals("1", answer.headers().firstValue("x-relay-fallbacks").orElseThrow());
        JsonNode response = json(answer.body());
        assertEquals("Echo: fall back please", response.path("output").get(0).path("content").get(0).path("text").asText());
        assertTrue(response.path("id").asText().startsWith("resp_"));
        assertEquals(List.of("/v1/responses", "/v1/chat/completions"), openai.requests().stream().map(r -> r.path()).toList());
    }

    @Test
    void aHostedTool_toADeploymentThatTakesTheRequestThroughChat_isStillA400() throws Exception {
        HttpResponse<String> answer = post("{\"model\":\"chat-only\",\"input\":\"x\",\"tools\":[{\"type\":\"web_search\"}]}");

        assertEquals(400, answer.statusCode(), answer.body());
        assertEquals("tools[0].type", json(answer.body()).path("error").path("param").asText());
        assertTrue(json(answer.body()).path("error").path("message").asText().contains("hosted tool"));
        assertTrue(openai.requests().isEmpty());
    }

    @Test
    void storeFalse_keepsNothing_andPreviousResponseId_isResolvedByRelay_forAnyDeployment() throws Exception {
        HttpResponse<String> unkept = post("{\"model\":\"gpt\",\"input\":\"forget me\",\"store\":false}");
        String unkeptId = json(unkept.body()).path("id").asText();
        assertFalse(json(openai.lastRequest().body()).path("store").asBoolean(true), "store: false reaches OpenAI too");
        assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/responses/" + unkeptId))
                .header("authorization", "Bearer " + TestRelay.MASTER_KEY).build(), HttpResponse.BodyHandlers.ofString()).statusCode());

        String first = json(post("{\"model\":\"gpt\",\"input\":\"my name is Ada\"}").body()).path("id").asText();
        HttpResponse<String> second = post("{\"model\":\"gpt\",\"input\":\"what is my name?\",\"previous_response_id\":\"" + first + "\"}");

        assertEquals(first, json(second.body()).path("previous_response_id").asText(), "the id the client gave is echoed");
        JsonNode sent = json(openai.lastRequest().body());
        assertFalse(sent.has("previous_response_id"), "Relay's id, resolved by Relay");
        assertEquals("my name is Ada", sent.path("input").get(0).path("content").asText());
        assertEquals("Echo: my name is Ada", sent.path("input").get(1).path("content").get(0).path("text").asText());
        assertEquals("what is my name?", sent.path("input").get(2).path("content").asText());

        HttpResponse<String> translated = post("{\"model\":\"chat-only\",\"input\":\"and again?\",\"previous_response_id\":\"" + first + "\"}");
        assertEquals(200, translated.statusCode(), translated.body());
        String chat = openai.lastRequest().body();
        assertTrue(chat.contains("my name is Ada") && chat.contains("Echo: my name is Ada") && chat.contains("and again?"), chat);
    }

    @Test
    void anOpenAiError_comesBackInOpenAisShape_withItsStatus() throws Exception {
        openai.enqueue(new FakeOpenAi.Reply.Status(400, FakeOpenAi.errorBody("Unknown parameter: 'a_future_field'.", "invalid_request_error",
                "unknown_parameter"), Map.of()));

        HttpResponse<String> answer = post("{\"model\":\"gpt\",\"input\":\"x\",\"a_future_field\":1}");

        assertEquals(400, answer.statusCode(), answer.body());
        JsonNode error = json(answer.body()).path("error");
        assertEquals("invalid_request_error", error.path("type").asText());
        assertTrue(error.path("message").asText().contains("a_future_field"), answer.body());
    }

    static List<String> streamEvents(String id) {
        String response = "{\"id\":\"" + id + "\",\"object\":\"response\",\"created_at\":1700000001,\"status\":\"%s\",\"model\":\"gpt-4o\","
                + "\"output\":%s,\"usage\":%s}";
        String message = "{\"type\":\"message\",\"id\":\"msg_s\",\"status\":\"completed\",\"role\":\"assistant\","
                + "\"content\":[{\"type\":\"output_text\",\"text\":\"one two\",\"annotations\":[]}]}";
        return List.of(
                "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":" + response.formatted("in_progress", "[]", "null") + "}",
                "{\"type\":\"response.output_item.added\",\"sequence_number\":1,\"output_index\":0,\"item\":{\"type\":\"message\",\"id\":\"msg_s\",\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}}",
                "{\"type\":\"response.content_part.added\",\"sequence_number\":2,\"item_id\":\"msg_s\",\"output_index\":0,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[]}}",
                "{\"type\":\"response.output_text.delta\",\"sequence_number\":3,\"item_id\":\"msg_s\",\"output_index\":0,\"content_index\":0,\"delta\":\"one \",\"logprobs\":[]}",
                "{\"type\":\"response.brand_new_event\",\"sequence_number\":4,\"what\":1}",
                "{\"type\":\"response.output_text.delta\",\"sequence_number\":5,\"item_id\":\"msg_s\",\"output_index\":0,\"content_index\":0,\"delta\":\"two\",\"logprobs\":[]}",
                "{\"type\":\"response.output_text.done\",\"sequence_number\":6,\"item_id\":\"msg_s\",\"output_index\":0,\"content_index\":0,\"text\":\"one two\",\"logprobs\":[]}",
                "{\"type\":\"response.content_part.done\",\"sequence_number\":7,\"item_id\":\"msg_s\",\"output_index\":0,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"one two\",\"annotations\":[]}}",
                "{\"type\":\"response.output_item.done\",\"sequence_number\":8,\"output_index\":0,\"item\":" + message + "}",
                "{\"type\":\"response.completed\",\"sequence_number\":9,\"response\":" + response.formatted("completed", "[" + message + "]",
                        "{\"input_tokens\":20,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":7,\"output_tokens_details\":{\"reasoning_tokens\":3},\"total_tokens\":27}") + "}");
    }

    /** Event N+1 leaves the fake OpenAI only once the client has read event N: a Relay that buffered the stream never passes. */
    @Test
    void aStream_passesOpenAisEventsOneByOne_untouched_andItsUsageReachesTheLog() throws Exception {
        List<String> script = streamEvents("resp_stream1");
        Map<String, CountDownLatch> delivered = new ConcurrentHashMap<>();
        script.forEach(e -> delivered.put(e, new CountDownLatch(1)));
        openai.enqueue(new FakeOpenAi.Reply.Events(script, event -> {
            if (!delivered.get(event).await(60, TimeUnit.SECONDS)) throw new AssertionError("never delivered: " + event);
        }));

        HttpResponse<java.io.InputStream> answer = http.send(request("{\"model\":\"gpt\",\"input\":\"count\",\"stream\":true}"),
                HttpResponse.BodyHandlers.ofInputStream());
        List<JsonNode> received = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(answer.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("event: ")) names.add(line.substring(7));
                if (!line.startsWith("data: ")) continue;
                JsonNode event = json(line.substring(6));
                received.add(event);
                for (String sent : script) if (json(sent).equals(event)) delivered.get(sent).countDown();
            }
        }

        assertEquals(200, answer.statusCode());
        assertEquals(script.stream().map(e -> { try { return json(e); } catch (Exception x) { throw new AssertionError(x); } }).toList(), received,
                "every event as OpenAI sent it, unknown ones too");
        assertEquals(received.stream().map(e -> e.path("type").asText()).toList(), names);
        assertTrue(json(openai.lastRequest().body()).path("stream").asBoolean());
        var log = TestRelay.log(server, answer.headers().firstValue("x-relay-request-id").orElseThrow());
        assertEquals(20, log.promptTokens());
        assertEquals(7, log.completionTokens());
        assertTrue(log.stream());
        assertEquals("resp_stream1", sdk.responses().retrieve("resp_stream1").id(), "the completed response is kept");
    }

    @Test
    void theSdk_createsAndStreams_throughTheNativePath() {
        Response created = sdk.responses().create(ResponseCreateParams.builder().model("gpt").input("hi sdk").build());
        assertEquals("Echo: hi sdk", created.output().get(0).asMessage().content().get(0).asOutputText().text());
        assertEquals(15, created.usage().orElseThrow().totalTokens());

        openai.enqueue(new FakeOpenAi.Reply.Events(streamEvents("resp_sdk_stream")));
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (var stream = sdk.responses().createStreaming(ResponseCreateParams.builder().model("gpt").input("count").build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Response streamed = accumulator.response();
        assertEquals("resp_sdk_stream", streamed.id());
        assertEquals("one two", streamed.output().get(0).asMessage().content().get(0).asOutputText().text());
        assertEquals(27, streamed.usage().orElseThrow().totalTokens());
        assertNull(openai.lastRequest().headers().get("api-key"));
    }
}
