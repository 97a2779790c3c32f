package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.testing.FakeAnthropic;

/**
 * The official OpenAI Java SDK -> the local server -> the Anthropic adapter -> a real HTTP server
 * speaking Anthropic's Messages API: the client never sees that the model behind it is not OpenAI's.
 */
class AnthropicEndToEndTest {
    static final String MASTER_KEY = TestRelay.MASTER_KEY;
    static final String ANTHROPIC_KEY = "sk-ant-e2e-0123456789";

    static FakeAnthropic upstream;
    static LocalServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeAnthropic.start();
        server = TestRelay.start("""
                model_list:
                  - model_name: claude
                    litellm_params:
                      model: anthropic/claude-sonnet-4-5
                      api_base: %s
                router_settings:
                  num_retries: 0
                """.formatted(upstream.baseUrl()), Map.of("ANTHROPIC_API_KEY", ANTHROPIC_KEY));
        client = TestRelay.sdk(server);
    }

    @AfterAll
    static void stop() {
        server.close();
        upstream.close();
    }

    @BeforeEach
    void clean() {
        upstream.reset();
    }

    @Test
    void chat_isAnsweredByAnthropic_withTheDefaultKeyAndMessagesFormat() {
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("claude").addSystemMessage("Be brief.").addUserMessage("hello there")
                        .temperature(0.5).build());
        ChatCompletion completion = raw.parse();

        assertEquals("Echo: hello there", completion.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
        assertEquals(15, completion.usage().orElseThrow().totalTokens());
        assertEquals("anthropic/claude-sonnet-4-5", raw.headers().values("x-relay-model").get(0));
        var sent = upstream.lastRequest();
        assertEquals("/v1/messages", sent.path());
        assertEquals(ANTHROPIC_KEY, sent.headers().get("x-api-key"));
        assertEquals("2023-06-01", sent.headers().get("anthropic-version"));
        assertEquals("claude-sonnet-4-5", sent.json().path("model").asText());
        assertEquals("Be brief.", sent.json().path("system").get(0).path("text").asText());
        assertEquals(0.5, sent.json().path("temperature").asDouble());
    }

    @Test
    void streaming_deliversTheTextInOrder_andUsageWhenAsked() {
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("claude").addUserMessage("one two three")
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
            });
        }

        assertEquals("Echo: one two three", text.toString());
        assertTrue(upstream.lastRequest().json().path("stream").asBoolean());
        assertEquals(15, chunks.get(chunks.size() - 1).usage().orElseThrow().totalTokens());
    }

    @Test
    void toolCall_roundTrip_fromToolUseToToolResultToAnswer() {
        upstream.enqueue(new FakeAnthropic.Reply.Message("""
                {"id":"msg_tool","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                 "content":[{"type":"text","text":"Let me check."},
                            {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris"}}],
                 "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":12}}"""));
        ChatCompletionFunctionTool weather = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather").description("Current weather")
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .build())
                .build()).build();
        ChatCompletionCreateParams first = ChatCompletionCreateParams.builder().model("claude")
                .addUserMessage("Weather in Paris?").addTool(weather).build();

        ChatCompletion asked = client.chat().completions().create(first);

        var choice = asked.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("toolu_01", call.id());
        assertEquals("get_weather", call.function().name());
        assertEquals("{\"city\":\"Paris\"}", call.function().arguments());

        ChatCompletion answered = client.chat().completions().create(first.toBuilder()
                .addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("18C and sunny").build())
                .build());

        assertEquals("Echo: 18C and sunny", answered.choices().get(0).message().content().orElseThrow());
        JsonNode messages = upstream.lastRequest().json().path("messages");
        assertEquals(3, messages.size());
        JsonNode toolUse = messages.get(1).path("content").get(1);
        assertEquals("tool_use", toolUse.path("type").asText());
        assertEquals("Paris", toolUse.path("input").path("city").asText());
        JsonNode toolResult = messages.get(2).path("content").get(0);
        assertEquals("user", messages.get(2).path("role").asText());
        assertEquals("tool_result", toolResult.path("type").asText());
        assertEquals("toolu_01", toolResult.path("tool_use_id").asText());
    }

    @Test
    void overloadedAnthropic_isTheSdksInternalServerError_503() {
        upstream.enqueue(new FakeAnthropic.Reply.Status(529, FakeAnthropic.errorBody("overloaded_error", "Overloaded"), Map.of()));

        InternalServerException e = assertThrows(InternalServerException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("claude").addUserMessage("hi").build()));

        assertEquals(503, e.statusCode());
        assertTrue(e.getMessage().contains("Overloaded"), e.getMessage());
    }

    @Test
    void promptTooLong_isTheSdksBadRequest_withContextLengthExceeded() {
        upstream.enqueue(new FakeAnthropic.Reply.Status(400, FakeAnthropic.errorBody("invalid_request_error",
                "prompt is too long: 215733 tokens > 200000 maximum"), Map.of()));

        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("claude").addUserMessage("very long").build()));

        assertEquals("context_length_exceeded", e.code().orElseThrow());
    }

    @Test
    void aParameterAnthropicLacks_isABadRequestNamingIt_withoutReachingAnthropic() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("claude").addUserMessage("hi").n(2).build()));

        assertEquals("n", e.param().orElseThrow());
        assertTrue(upstream.requests().isEmpty());
    }
}
