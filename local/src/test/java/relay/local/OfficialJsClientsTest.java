package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.core.log.RequestLog;
import relay.testing.FakeOpenAi;

/**
 * The official JavaScript clients, as their users run them, against the local server: {@code openai},
 * {@code @anthropic-ai/sdk}, {@code @langchain/openai} and {@code ai} with {@code @ai-sdk/openai}, at the versions
 * pinned in {@code node/package-lock.json}. Each scenario is a small script ({@code node/*.mjs}) run with node.
 *
 * <p>Whole answers come from the {@code mock/} provider; embeddings and tool calls from a {@link FakeOpenAi}, which
 * records what Relay sent on. Streams come from a {@link GatedUpstream} that sends chunk N+1 only once the script
 * has printed that its client handed chunk N to its caller: a stream completes only if Relay (and the client)
 * deliver it chunk by chunk, however slow the machine. No test calls a real provider.
 */
class OfficialJsClientsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> STREAMED = List.of("part0 ", "part1 ", "part2 ", "part3 ");

    static GatedUpstream gated;
    static FakeOpenAi openai;
    static LocalServer server;

    @BeforeAll
    static void start() throws Exception {
        gated = new GatedUpstream();
        openai = FakeOpenAi.start();
        server = TestRelay.start("""
                model_list:
                  - model_name: mock-gpt
                    litellm_params: {model: mock/mock-gpt}
                  # served through chat (an OpenAI-compatible host, not OpenAI): /v1/responses is translated for these
                  - model_name: gated
                    litellm_params: {model: together_ai/gated, api_base: "%s"}
                  - model_name: fake-embedding
                    litellm_params: {model: openai/text-embedding-3-small, api_base: "%s"}
                  - model_name: fake-gpt
                    litellm_params: {model: together_ai/gpt-4o, api_base: "%s"}
                router_settings:
                  num_retries: 0
                  allowed_fails: 1000 # the streams broken on purpose never cool a deployment down
                """.formatted(gated.baseUrl(), openai.baseUrl(), openai.baseUrl()), Map.of("OPENAI_API_KEY", "sk-upstream-js-clients",
                        "TOGETHERAI_API_KEY", "sk-upstream-js-clients"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (gated != null) gated.close();
        if (openai != null) openai.close();
    }

    @BeforeEach
    void clean() {
        NodeClients.scripts(); // installs the clients once; without node each test is skipped (fails on CI)
        openai.reset();
        gated.script(GatedUpstream.Script.GATED, STREAMED.size());
    }

    static Map<String, String> env() {
        return Map.of("RELAY_BASE_URL", server.url(), "RELAY_API_KEY", TestRelay.MASTER_KEY, "RELAY_MODEL", "mock-gpt",
                "RELAY_STREAM_MODEL", "gated", "RELAY_EMBEDDING_MODEL", "fake-embedding", "RELAY_UPSTREAM_MODEL", "fake-gpt");
    }

    /** Runs a scenario that needs no upstream gate. */
    static NodeClients.Run node(String script, String scenario) {
        return NodeClients.run(script, scenario, env(), report -> {});
    }

    /**
     * Runs a scenario that streams from {@code gated}: each chunk the script prints lets the upstream send the
     * next. Asserts the stream arrived whole, chunk by chunk.
     */
    static NodeClients.Run streamed(String script, String scenario) {
        NodeClients.Run run = gatedRun(script, scenario);
        assertFalse(gated.gateGaveUp(), "a chunk waited for the one before it to reach the client, in vain: " + run);
        assertEquals(STREAMED, run.chunks(), run.toString());
        return run;
    }

    /** Runs a scenario whose chunks open {@code gated}'s gate, each once the script has printed it. */
    static NodeClients.Run gatedRun(String script, String scenario) {
        return NodeClients.run(script, scenario, env(), report -> {
            if (report.path("event").asText().equals("chunk") && report.path("text").asText().contains("part")) {
                gated.clientReceivedAChunk();
            }
        });
    }

    /** Relay's request log record of the request the script made, by the id it read off the answer's headers. */
    static RequestLog log(JsonNode result) {
        String id = result.path("requestId").asText(null);
        assertTrue(id != null && !id.isBlank(), "the answer carried x-relay-request-id: " + result);
        return TestRelay.log(server, id);
    }

    static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    // ---- openai ----

    @Test
    void openai_chat() {
        JsonNode result = node("openai.mjs", "chat").result();

        assertEquals("chat.completion", result.path("object").asText());
        assertEquals("Mock answer to: hello from node", result.path("content").asText());
        assertEquals("stop", result.path("finish_reason").asText());
        assertTrue(result.path("usage").path("total_tokens").asInt() > 0, result.toString());
        RequestLog log = log(result);
        assertEquals("POST /v1/chat/completions", log.route());
        assertEquals(200, log.status());
    }

    @Test
    void openai_chatStream_arrivesChunkByChunk() {
        JsonNode result = streamed("openai.mjs", "chatStream").result();

        assertEquals("part0 part1 part2 part3 ", result.path("content").asText());
        assertEquals("stop", result.path("finish_reason").asText());
        RequestLog log = log(result);
        assertTrue(log.stream());
        assertEquals(200, log.status());
    }

    @Test
    void openai_legacyCompletionStream_arrivesChunkByChunk() {
        JsonNode result = streamed("openai.mjs", "completionStream").result();

        assertEquals("text_completion", result.path("object").asText());
        assertEquals("part0 part1 part2 part3 ", result.path("content").asText());
        assertEquals("POST /v1/completions", log(result).route());
    }

    @Test
    void openai_embeddings_comeBackAsTheSdksDefaultBase64() {
        // the SDK asks for base64 without being told and decodes it; had Relay answered floats, these would be garbage
        JsonNode result = node("openai.mjs", "embeddings").result();

        JsonNode vectors = result.path("vectors");
        assertEquals(2, vectors.size(), result.toString());
        assertVector(FakeOpenAi.vectorFor("hello"), vectors.get(0));
        assertVector(FakeOpenAi.vectorFor("node"), vectors.get(1));
        assertEquals("list", result.path("object").asText());
        assertEquals("POST /v1/embeddings", log(result).route());
    }

    static void assertVector(float[] expected, JsonNode actual) {
        assertEquals(expected.length, actual.size(), actual.toString());
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual.get(i).floatValue(), actual.toString());
    }

    @Test
    void openai_responses_createAndRetrieve() {
        JsonNode result = node("openai.mjs", "responses").result();

        assertEquals("completed", result.path("status").asText());
        assertEquals("Mock answer to: hello responses", result.path("output_text").asText());
        assertTrue(result.path("usage").path("total_tokens").asInt() > 0, result.toString());
        assertEquals(result.path("id").asText(), result.path("retrieved").path("id").asText());
        assertEquals("Mock answer to: hello responses", result.path("retrieved").path("output_text").asText());
        assertEquals("POST /v1/responses", log(result).route());
    }

    @Test
    void openai_responsesStream_arrivesChunkByChunk() {
        JsonNode result = streamed("openai.mjs", "responsesStream").result();

        List<String> types = texts(result.path("types"));
        assertEquals("response.created", types.get(0), types.toString());
        assertTrue(types.contains("response.output_text.delta"), types.toString());
        assertEquals("response.completed", types.get(types.size() - 1), types.toString());
        assertEquals("completed", result.path("status").asText());
        assertEquals("part0 part1 part2 part3 ", result.path("output_text").asText());
        RequestLog log = log(result);
        assertEquals("POST /v1/responses", log.route());
        assertTrue(log.stream());
    }

    @Test
    void openai_chatStreamBreakingMidway_isTheSdksApiError_afterTheChunksBefore() {
        gated.script(GatedUpstream.Script.BREAKS_AFTER_FIRST, 0);

        NodeClients.Run run = gatedRun("openai.mjs", "chatStreamBreaks");
        JsonNode error = run.error();

        assertEquals(List.of("part0 "), run.chunks(), run.toString());
        assertTrue(error.path("isApiError").asBoolean(), error.toString());
        assertEquals("api_error", error.path("body").path("type").asText(), error.toString());
        assertTrue(error.path("body").path("message").asText().contains("gated"), "names the deployment that broke: " + error);
    }

    @Test
    void openai_modelsList_pagesThroughTheConfiguredGroupsFirst() {
        JsonNode result = node("openai.mjs", "modelsList").result();

        assertEquals(List.of("mock-gpt", "gated", "fake-embedding", "fake-gpt"), texts(result.path("ids")).subList(0, 4), result.toString());
        assertTrue(result.path("count").asInt() > 4, "the catalog's models follow: " + result);
    }

    @Test
    void openai_modelsRetrieve() {
        JsonNode result = node("openai.mjs", "modelsRetrieve").result();

        assertEquals("mock-gpt", result.path("id").asText());
        assertEquals("model", result.path("object").asText());
        assertEquals("mock", result.path("owned_by").asText());
    }

    @Test
    void openai_unknownModel_isTheSdksNotFoundError_withOpenAisErrorBody() {
        JsonNode error = node("openai.mjs", "unknownModel").error();

        assertEquals("NotFoundError", error.path("class").asText(), error.toString());
        assertTrue(error.path("isNotFound").asBoolean(), error.toString());
        assertEquals(404, error.path("status").asInt());
        assertEquals("invalid_request_error", error.path("type").asText(), error.toString());
        assertEquals("model_not_found", error.path("code").asText(), error.toString());
        assertEquals("model", error.path("param").asText(), error.toString());
        JsonNode body = error.path("body"); // the SDK's error.error: the body's "error" object
        assertTrue(body.path("message").asText().contains("no-such-model"), error.toString());
        for (String field : List.of("message", "type", "param", "code")) assertTrue(body.has(field), field + " in " + body);
    }

    // ---- @anthropic-ai/sdk ----

    @Test
    void anthropic_messagesCreate() {
        JsonNode result = node("anthropic.mjs", "create").result();

        assertEquals("message", result.path("type").asText());
        assertEquals("assistant", result.path("role").asText());
        assertEquals("Mock answer to: hello claude", result.path("text").asText());
        assertEquals("end_turn", result.path("stop_reason").asText());
        assertTrue(result.path("usage").path("output_tokens").asInt() > 0, result.toString());
        assertEquals("POST /v1/messages", log(result).route());
    }

    @Test
    void anthropic_messagesStream_textDeltasArriveChunkByChunk() {
        JsonNode result = streamed("anthropic.mjs", "stream").result();

        List<String> types = texts(result.path("types"));
        assertEquals("message_start", types.get(0), types.toString());
        assertTrue(types.contains("content_block_delta"), types.toString());
        assertEquals("message_stop", types.get(types.size() - 1), types.toString());
        assertEquals("part0 part1 part2 part3 ", result.path("text").asText());
        assertEquals("end_turn", result.path("stop_reason").asText());
        RequestLog log = log(result);
        assertEquals("POST /v1/messages", log.route());
        assertTrue(log.stream());
    }

    @Test
    void anthropic_betaMessagesStream_asClaudeCodeCallsIt_arrivesChunkByChunk() {
        JsonNode result = streamed("anthropic.mjs", "betaStream").result();

        assertTrue(result.path("url").asText().endsWith("/v1/messages?beta=true"), result.toString());
        assertEquals("part0 part1 part2 part3 ", result.path("text").asText());
        assertEquals("end_turn", result.path("stop_reason").asText());
        RequestLog log = log(result);
        assertTrue(log.stream());
        assertEquals("user_js_clients", log.caller().user(), "metadata.user_id is the caller's user: " + log.caller());
    }

    @Test
    void anthropic_streamBreakingMidway_isTheSdksApiError_inAnthropicsShape() {
        gated.script(GatedUpstream.Script.BREAKS_AFTER_FIRST, 0);

        NodeClients.Run run = gatedRun("anthropic.mjs", "streamBreaks");
        JsonNode error = run.error();

        assertEquals(List.of("part0 "), run.chunks(), run.toString());
        assertTrue(error.path("isApiError").asBoolean(), error.toString());
        assertAnthropicError("api_error", error);
    }

    @Test
    void anthropic_toolRoundTrip_streamed_asClaudeCodeWorks() {
        openai.enqueue(new FakeOpenAi.Reply.Status(200, streamedToolCall("call_7", "get_weather", "{\"city\":", "\"Paris\"}"), Map.of()));

        JsonNode result = node("anthropic.mjs", "toolRoundTrip").result();

        assertEquals("tool_use", result.path("stop_reason").asText(), result.toString());
        JsonNode use = result.path("tool_use");
        assertEquals("call_7", use.path("id").asText());
        assertEquals("get_weather", use.path("name").asText());
        assertEquals("Paris", use.path("input").path("city").asText(), result.toString());
        assertEquals("{\"city\":\"Paris\"}", String.join("", texts(result.path("jsonDeltas"))), "input_json_delta pieces: " + result);
        assertEquals("end_turn", result.path("answer").path("stop_reason").asText(), result.toString());
        assertEquals("Echo: Weather in Paris?", result.path("answer").path("text").asText());
        assertToolResultSentUpstream("call_7", "18C and sunny");
    }

    /** An OpenAI chat stream asking for one tool call, its arguments in {@code argumentPieces}. */
    static String streamedToolCall(String id, String name, String... argumentPieces) {
        StringBuilder sse = new StringBuilder();
        String head = "{\"id\":\"chatcmpl-tool\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o\",\"choices\":";
        sse.append("data: ").append(head).append("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"")
                .append(id).append("\",\"type\":\"function\",\"function\":{\"name\":\"").append(name)
                .append("\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n");
        for (String piece : argumentPieces) {
            String delta = JSON.createObjectNode().put("arguments", piece).toString();
            sse.append("data: ").append(head).append("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":")
                    .append(delta).append("}]},\"finish_reason\":null}]}\n\n");
        }
        sse.append("data: ").append(head).append("[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n");
        sse.append("data: ").append(head).append("[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":8,\"total_tokens\":28}}\n\n");
        return sse.append("data: [DONE]\n\n").toString();
    }

    /** The follow-up request reached the upstream with the assistant's tool call and the tool's result, in OpenAI's shape. */
    static void assertToolResultSentUpstream(String callId, String output) {
        JsonNode messages = openai.lastRequest().json().path("messages");
        boolean call = false;
        boolean result = false;
        for (JsonNode message : messages) {
            if (message.path("role").asText().equals("assistant")) {
                call |= message.path("tool_calls").path(0).path("id").asText().equals(callId);
            }
            if (message.path("role").asText().equals("tool")) {
                result |= message.path("tool_call_id").asText().equals(callId) && message.path("content").toString().contains(output);
            }
        }
        assertTrue(call && result, "the tool call and its result went upstream: " + messages);
    }

    @Test
    void anthropic_countTokens() {
        JsonNode result = node("anthropic.mjs", "countTokens").result();

        int tokens = result.path("input_tokens").asInt();
        assertTrue(tokens >= 100 && tokens <= 110, "about four characters a token: " + result);
    }

    @Test
    void anthropic_unknownModel_isTheSdksNotFoundError_withAnthropicsErrorBody() {
        JsonNode error = node("anthropic.mjs", "unknownModel").error();

        assertEquals("NotFoundError", error.path("class").asText(), error.toString());
        assertTrue(error.path("isNotFound").asBoolean(), error.toString());
        assertEquals(404, error.path("status").asInt());
        assertAnthropicError("not_found_error", error);
        assertTrue(error.path("body").path("error").path("message").asText().contains("no-such-model"), error.toString());
    }

    @Test
    void anthropic_badRequest_isTheSdksBadRequestError() {
        JsonNode error = node("anthropic.mjs", "badRequest").error();

        assertTrue(error.path("isBadRequest").asBoolean(), error.toString());
        assertEquals(400, error.path("status").asInt());
        assertAnthropicError("invalid_request_error", error);
        assertTrue(error.path("body").path("error").path("message").asText().contains("temperature"), error.toString());
    }

    @Test
    void anthropic_wrongKey_isTheSdksAuthenticationError() {
        JsonNode error = node("anthropic.mjs", "wrongKey").error();

        assertTrue(error.path("isAuthentication").asBoolean(), error.toString());
        assertEquals(401, error.path("status").asInt());
        assertAnthropicError("authentication_error", error);
        assertFalse(error.toString().contains("sk-not-a-relay-key"), "the key is not echoed: " + error);
    }

    /** Anthropic's error shape: {"type": "error", "error": {"type", "message"}}, as the SDK keeps it in error.error. */
    static void assertAnthropicError(String type, JsonNode error) {
        JsonNode body = error.path("body");
        assertEquals("error", body.path("type").asText(), error.toString());
        assertEquals(type, body.path("error").path("type").asText(), error.toString());
        assertTrue(body.path("error").path("message").isTextual(), error.toString());
    }

    // ---- @langchain/openai ----

    @Test
    void langchain_chatOpenAi_invoke() {
        JsonNode result = node("langchain.mjs", "invoke").result();

        assertEquals("Mock answer to: hello langchain", result.path("content").asText());
        assertEquals("stop", result.path("finish_reason").asText());
        assertTrue(result.path("usage").path("total_tokens").asInt() > 0, result.toString());
        assertEquals(1, result.path("requestIds").size(), result.toString());
        assertEquals("POST /v1/chat/completions", TestRelay.log(server, result.path("requestIds").get(0).asText()).route());
    }

    @Test
    void langchain_chatOpenAi_stream_arrivesChunkByChunk() {
        JsonNode result = streamed("langchain.mjs", "stream").result();

        assertEquals("part0 part1 part2 part3 ", result.path("content").asText());
        assertEquals(1, result.path("requestIds").size(), result.toString());
        assertTrue(TestRelay.log(server, result.path("requestIds").get(0).asText()).stream());
    }

    // ---- ai + @ai-sdk/openai ----

    @Test
    void aiSdk_generateText_withTheDefaultProviderModel_speaksResponses() {
        JsonNode result = node("ai-sdk.mjs", "generateResponses").result();

        assertEquals("Mock answer to: hello responses", result.path("text").asText());
        assertEquals("stop", result.path("finishReason").asText());
        assertTrue(result.path("usage").path("totalTokens").asInt() > 0, result.toString());
        assertEquals("POST /v1/responses", log(result).route());
    }

    @Test
    void aiSdk_streamText_withTheDefaultProviderModel_arrivesChunkByChunk() {
        JsonNode result = streamed("ai-sdk.mjs", "streamResponses").result();

        assertEquals("part0 part1 part2 part3 ", result.path("text").asText());
        assertEquals("stop", result.path("finishReason").asText());
        assertEquals(0, result.path("errors").size(), result.toString());
        RequestLog log = log(result);
        assertEquals("POST /v1/responses", log.route());
        assertTrue(log.stream());
    }

    @Test
    void aiSdk_generateText_withTheChatModel() {
        JsonNode result = node("ai-sdk.mjs", "generateChat").result();

        assertEquals("Mock answer to: hello chat", result.path("text").asText());
        assertEquals("stop", result.path("finishReason").asText());
        assertEquals("POST /v1/chat/completions", log(result).route());
    }

    @Test
    void aiSdk_streamText_withTheChatModel_arrivesChunkByChunk() {
        JsonNode result = streamed("ai-sdk.mjs", "streamChat").result();

        assertEquals("part0 part1 part2 part3 ", result.path("text").asText());
        assertEquals("stop", result.path("finishReason").asText());
        assertEquals(0, result.path("errors").size(), result.toString());
        RequestLog log = log(result);
        assertEquals("POST /v1/chat/completions", log.route());
        assertTrue(log.stream());
    }

    @Test
    void aiSdk_streamText_withTheChatModel_breakingMidway_reportsRelaysError() {
        gated.script(GatedUpstream.Script.BREAKS_AFTER_FIRST, 0);

        NodeClients.Run run = gatedRun("ai-sdk.mjs", "streamChatBreaks");
        JsonNode result = run.result();

        assertEquals(List.of("part0 "), run.chunks(), run.toString());
        assertEquals("error", result.path("finishReason").asText(), result.toString());
        JsonNode error = result.path("errors").path(0);
        assertEquals("api_error", error.path("body").path("type").asText(), result.toString());
        assertTrue(error.path("body").path("message").asText().contains("gated"), result.toString());
    }

    @Test
    void aiSdk_streamText_withTheDefaultProviderModel_breakingMidway_reportsRelaysError() {
        gated.script(GatedUpstream.Script.BREAKS_AFTER_FIRST, 0);

        NodeClients.Run run = gatedRun("ai-sdk.mjs", "streamResponsesBreaks");
        JsonNode result = run.result();

        assertEquals(List.of("part0 "), run.chunks(), run.toString());
        assertEquals("error", result.path("finishReason").asText(), result.toString());
        JsonNode error = result.path("errors").path(0); // the SDK hands over the error event itself
        assertEquals("provider_error", error.path("body").path("code").asText(), "Relay's error event reaches the caller: " + result);
        assertTrue(error.path("body").path("message").asText().contains("gated"), result.toString());
    }

    @Test
    void aiSdk_toolLoop_overTheResponsesApi() {
        openai.enqueue(new FakeOpenAi.Reply.Status(200, """
                {"id":"chatcmpl-t","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,
                 "message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_3","type":"function",
                 "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":20,"completion_tokens":8,"total_tokens":28}}""", Map.of()));

        JsonNode result = node("ai-sdk.mjs", "toolsResponses").result();

        JsonNode steps = result.path("steps");
        assertEquals(2, steps.size(), result.toString());
        assertEquals("tool-calls", steps.get(0).path("finishReason").asText(), result.toString());
        JsonNode call = steps.get(0).path("toolCalls").path(0);
        assertEquals("call_3", call.path("id").asText(), result.toString());
        assertEquals("get_weather", call.path("name").asText());
        assertEquals("Paris", call.path("input").path("city").asText(), result.toString());
        assertEquals("18C and sunny in Paris", steps.get(0).path("toolResults").path(0).asText(), result.toString());
        assertEquals("stop", steps.get(1).path("finishReason").asText(), result.toString());
        assertEquals("Echo: Weather in Paris?", result.path("text").asText());
        assertEquals("/v1/chat/completions", openai.lastRequest().path(), "translated to chat upstream");
        assertToolResultSentUpstream("call_3", "18C and sunny in Paris");
    }
}
