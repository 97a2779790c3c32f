package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.openai.client.OpenAIClient;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseStreamEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.testing.FakeAnthropic;
import relay.testing.FakeOpenAi;

/**
 * The official SDKs of the agent-era APIs against the local server: Anthropic's Java SDK on
 * {@code /v1/messages} (a model served by OpenAI, translated; and one served by Anthropic, passed
 * through), and OpenAI's Java SDK on {@code /v1/responses}. Upstreams are real loopback servers.
 */
class AgentApiSdkTest {
    static FakeOpenAi openai;
    static FakeAnthropic anthropic;
    static LocalServer server;
    static AnthropicClient claude;
    static OpenAIClient gpt;

    @BeforeAll
    static void start() throws Exception {
        openai = FakeOpenAi.start();
        anthropic = FakeAnthropic.start();
        server = TestRelay.start("""
                model_list:
                  - model_name: gpt
                    litellm_params: {model: openai/gpt-4o, api_base: %s}
                  - model_name: claude
                    litellm_params: {model: anthropic/claude-sonnet-4-5, api_base: %s}
                  - model_name: chat-only
                    litellm_params: {model: together_ai/gpt-4o, api_base: %s}
                router_settings:
                  num_retries: 0
                """.formatted(openai.baseUrl(), anthropic.baseUrl(), openai.baseUrl()),
                Map.of("OPENAI_API_KEY", "sk-openai-e2e-0123456789", "ANTHROPIC_API_KEY", "sk-ant-e2e-0123456789",
                        "TOGETHERAI_API_KEY", "tg-e2e-0123456789"));
        claude = anthropicSdk(TestRelay.MASTER_KEY);
        gpt = TestRelay.sdk(server);
    }

    static AnthropicClient anthropicSdk(String key) {
        return AnthropicOkHttpClient.builder().baseUrl(server.url()).apiKey(key).maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        server.close();
        openai.close();
        anthropic.close();
    }

    @BeforeEach
    void clean() {
        openai.reset();
        anthropic.reset();
    }

    static final Tool WEATHER = Tool.builder().name("get_weather").description("Weather for a city")
            .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of("city", Map.of("type", "string"))))
                    .required(List.of("city")).build()).build();

    // ---- Anthropic's SDK, /v1/messages ----

    @Test
    void messages_toAnOpenAiModel_areTranslated() {
        Message message = claude.messages().create(MessageCreateParams.builder().model("gpt").maxTokens(100)
                .system("Be brief.").addUserMessage("hello there").build());

        assertEquals("Echo: hello there", message.content().get(0).asText().text());
        assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
        assertEquals(10, message.usage().inputTokens());
        assertEquals(5, message.usage().outputTokens());
        var sent = openai.lastRequest();
        assertTrue(sent.path().endsWith("/chat/completions"));
        assertTrue(sent.body().contains("\"max_completion_tokens\":100"), sent.body());
    }

    @Test
    void messages_streamedFromAnOpenAiModel_accumulateToTheAnswer() {
        MessageAccumulator accumulator = MessageAccumulator.create();
        List<String> types = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = claude.messages().createStreaming(MessageCreateParams.builder()
                .model("gpt").maxTokens(100).addUserMessage("one two three").build())) {
            stream.stream().forEach(event -> {
                accumulator.accumulate(event);
                types.add(event.isMessageStart() ? "message_start" : event.isMessageStop() ? "message_stop" : "other");
            });
        }
        Message message = accumulator.message();

        assertEquals("Echo: one two three", message.content().get(0).asText().text());
        assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
        assertEquals(5, message.usage().outputTokens());
        assertEquals("message_start", types.get(0));
        assertEquals("message_stop", types.get(types.size() - 1));
    }

    @Test
    void messages_toolRoundTrip_throughAnOpenAiModel() {
        openai.enqueue(new FakeOpenAi.Reply.Status(200, """
                {"id":"chatcmpl-t","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,
                 "message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_7","type":"function",
                 "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":20,"completion_tokens":8,"total_tokens":28}}""", Map.of()));
        MessageCreateParams.Builder conversation = MessageCreateParams.builder().model("gpt").maxTokens(100)
                .addTool(WEATHER).addUserMessage("Weather in Paris?");

        Message first = claude.messages().create(conversation.build());

        assertEquals(StopReason.TOOL_USE, first.stopReason().orElseThrow());
        ToolUseBlock use = first.content().get(0).asToolUse();
        assertEquals("call_7", use.id());
        assertEquals("get_weather", use.name());
        assertEquals(Map.of("city", "Paris"), use._input().convert(Map.class));

        conversation.addMessage(first).addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
                ToolResultBlockParam.builder().toolUseId("call_7").content("18C and sunny").build())));
        Message second = claude.messages().create(conversation.build());

        assertEquals(StopReason.END_TURN, second.stopReason().orElseThrow());
        assertTrue(second.content().get(0).isText());
        String sent = openai.lastRequest().body();
        assertTrue(sent.contains("\"role\":\"tool\"") && sent.contains("\"tool_call_id\":\"call_7\"")
                && sent.contains("18C and sunny"), sent);
        assertTrue(sent.contains("\"tool_calls\""), sent);
    }

    @Test
    void messages_toAnAnthropicModel_passThrough_thinkingSignaturesIntact() {
        anthropic.enqueue(new FakeAnthropic.Reply.Message("""
                {"id":"msg_up","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                 "content":[{"type":"thinking","thinking":"Let me think.","signature":"EqQBCkYIBxgCKkB-signed"},
                            {"type":"text","text":"Done."}],
                 "stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":11,"cache_read_input_tokens":2000,"output_tokens":4}}"""));

        Message message = claude.messages().create(MessageCreateParams.builder().model("claude").maxTokens(2048)
                .enabledThinking(1024).addUserMessage("Think, then answer.")
                .putAdditionalHeader("anthropic-beta", "interleaved-thinking-2025-05-14").build());

        ContentBlock thinking = message.content().get(0);
        assertEquals("EqQBCkYIBxgCKkB-signed", thinking.asThinking().signature());
        assertEquals("Done.", message.content().get(1).asText().text());
        assertEquals(2000, message.usage().cacheReadInputTokens().orElseThrow());
        var sent = anthropic.lastRequest();
        assertEquals("interleaved-thinking-2025-05-14", sent.headers().get("anthropic-beta"));
        assertEquals("sk-ant-e2e-0123456789", sent.headers().get("x-api-key"));
        assertTrue(sent.body().contains("\"budget_tokens\":1024") && sent.body().contains("\"model\":\"claude-sonnet-4-5\""), sent.body());
    }

    @Test
    void messages_streamedFromAnAnthropicModel_passThrough() {
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = claude.messages().createStreaming(MessageCreateParams.builder()
                .model("claude").maxTokens(100).addUserMessage("alpha beta").build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        assertEquals("Echo: alpha beta", accumulator.message().content().get(0).asText().text());
        assertTrue(anthropic.lastRequest().body().contains("\"stream\":true"));
    }

    @Test
    void countTokens_answersAnEstimate() {
        long tokens = claude.messages().countTokens(MessageCountTokensParams.builder().model("gpt")
                .addUserMessage("a".repeat(400)).build()).inputTokens();
        assertTrue(tokens >= 100 && tokens <= 110, "about four characters a token: " + tokens);
    }

    @Test
    void errors_reachTheSdkAsAnthropicsErrors() {
        assertThrows(NotFoundException.class, () -> claude.messages().create(MessageCreateParams.builder().model("no-such-model")
                .maxTokens(10).addUserMessage("x").build()));
        BadRequestException bad = assertThrows(BadRequestException.class, () -> claude.messages().create(MessageCreateParams.builder()
                .model("gpt").maxTokens(10).addUserMessage("x").putAdditionalBodyProperty("temperature", JsonValue.from(1.5)).build()));
        assertTrue(bad.getMessage().contains("temperature"), bad.getMessage());
        assertThrows(UnauthorizedException.class, () -> anthropicSdk("wrong-key").messages().create(MessageCreateParams.builder()
                .model("gpt").maxTokens(10).addUserMessage("x").build()));
    }

    // ---- OpenAI's SDK, /v1/responses (gpt is OpenAI's and goes natively; chat-only is translated through chat) ----

    @Test
    void responses_create_andRetrieve() {
        Response response = gpt.responses().create(ResponseCreateParams.builder().model("gpt").instructions("Be brief.")
                .input("hello responses").build());

        assertEquals("Echo: hello responses", response.output().get(0).asMessage().content().get(0).asOutputText().text());
        assertEquals(15, response.usage().orElseThrow().totalTokens());
        Response read = gpt.responses().retrieve(response.id());
        assertEquals(response.id(), read.id());
        var stored = server.dynamoDbClient().getItem(b -> b.tableName(relay.aws.responses.ResponseStoreTable.LOCAL_NAME)
                .consistentRead(true).key(Map.of(relay.aws.responses.ResponseStoreTable.PARTITION_KEY,
                        software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(response.id())))).item();
        assertTrue(stored.containsKey("body"), "kept in the embedded DynamoDB's table, as on AWS");
    }

    @Test
    void responses_stream_accumulatesToTheAnswer() {
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        List<String> deltas = new ArrayList<>();
        try (var stream = gpt.responses().createStreaming(ResponseCreateParams.builder().model("chat-only").input("stream me please").build())) {
            stream.stream().forEach(event -> {
                accumulator.accumulate(event);
                event.outputTextDelta().ifPresent(d -> deltas.add(d.delta()));
            });
        }
        Response response = accumulator.response();

        assertEquals("Echo: stream me please", String.join("", deltas));
        assertEquals("Echo: stream me please", response.output().get(0).asMessage().content().get(0).asOutputText().text());
    }

    @Test
    void responses_functionCallRoundTrip_withPreviousResponseId() {
        openai.enqueue(new FakeOpenAi.Reply.Status(200, """
                {"id":"chatcmpl-t","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,
                 "message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_3","type":"function",
                 "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Oslo\\"}"}}]},"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":20,"completion_tokens":8,"total_tokens":28}}""", Map.of()));
        FunctionTool weather = FunctionTool.builder().name("get_weather").strict(false)
                .parameters(FunctionTool.Parameters.builder().putAdditionalProperty("type", com.openai.core.JsonValue.from("object"))
                        .putAdditionalProperty("properties", com.openai.core.JsonValue.from(Map.of("city", Map.of("type", "string")))).build())
                .build();

        Response first = gpt.responses().create(ResponseCreateParams.builder().model("chat-only").input("Weather in Oslo?").addTool(weather).build());
        ResponseFunctionToolCall call = first.output().get(0).asFunctionCall();
        assertEquals("call_3", call.callId());
        assertEquals("{\"city\":\"Oslo\"}", call.arguments());

        Response second = gpt.responses().create(ResponseCreateParams.builder().model("chat-only").previousResponseId(first.id())
                .inputOfResponse(List.of(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                        .callId("call_3").output("-2C").build()))).build());

        assertTrue(second.output().get(0).isMessage());
        assertEquals(first.id(), second.previousResponseId().orElseThrow());
        String sent = openai.lastRequest().body();
        assertTrue(sent.contains("Weather in Oslo?") && sent.contains("\"tool_call_id\":\"call_3\"") && sent.contains("-2C"), sent);
    }

    /** OpenAI's cached and reasoning token counts reach every API's usage: chat as sent, Messages and Responses in theirs. */
    @Test
    void usageDetails_reachChat_messages_andResponses() {
        String answer = """
                {"id":"chatcmpl-u","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,
                 "message":{"role":"assistant","content":"cached"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":1200,"completion_tokens":50,"total_tokens":1250,
                  "prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},
                  "completion_tokens_details":{"reasoning_tokens":32,"audio_tokens":0}}}""";
        for (int i = 0; i < 3; i++) openai.enqueue(new FakeOpenAi.Reply.Status(200, answer, Map.of()));

        var chat = gpt.chat().completions().create(com.openai.models.chat.completions.ChatCompletionCreateParams.builder()
                .model("gpt").addUserMessage("long prompt").build()).usage().orElseThrow();
        Message message = claude.messages().create(MessageCreateParams.builder().model("gpt").maxTokens(100)
                .addUserMessage("long prompt").build());
        Response response = gpt.responses().create(ResponseCreateParams.builder().model("chat-only").input("long prompt").build());

        assertEquals(1024, chat.promptTokensDetails().orElseThrow().cachedTokens().orElseThrow());
        assertEquals(32, chat.completionTokensDetails().orElseThrow().reasoningTokens().orElseThrow());
        assertEquals(176, message.usage().inputTokens(), "Anthropic's input_tokens leave the cache reads out");
        assertEquals(1024, message.usage().cacheReadInputTokens().orElseThrow());
        assertEquals(50, message.usage().outputTokens());
        var usage = response.usage().orElseThrow();
        assertEquals(1200, usage.inputTokens());
        assertEquals(1024, usage.inputTokensDetails().cachedTokens());
        assertEquals(32, usage.outputTokensDetails().reasoningTokens());
    }

    @Test
    void responses_hostedTools_areA400() {
        var e = assertThrows(com.openai.errors.BadRequestException.class, () -> gpt.responses().create(ResponseCreateParams.builder()
                .model("chat-only").input("search").addTool(com.openai.models.responses.WebSearchTool.builder()
                        .type(com.openai.models.responses.WebSearchTool.Type.WEB_SEARCH).build()).build()));
        assertTrue(e.getMessage().contains("hosted tool"), e.getMessage());
    }
}
