package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceAny;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.openai.client.OpenAIClient;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.Reasoning;
import com.openai.models.ReasoningEffort;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFormatTextJsonSchemaConfig;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseTextConfig;
import com.openai.models.responses.ToolChoiceOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;

/**
 * Agent flows with no provider at all: the repository's demo config ({@code config.yaml}, its
 * {@code mock-gpt} group) behind the local server, driven by the official SDKs through
 * {@code /v1/messages} and {@code /v1/responses}: tool round trips, thinking and reasoning, structured
 * output, and {@code n} on chat.
 */
class MockAgentFlowsTest {
    static LocalServer server;
    static AnthropicClient claude;
    static OpenAIClient gpt;

    static final Tool WEATHER = Tool.builder().name("get_weather").description("Weather for a city")
            .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of(
                            "city", Map.of("type", "string"),
                            "unit", Map.of("type", "string", "enum", List.of("celsius", "fahrenheit")))))
                    .required(List.of("city", "unit")).build()).build();

    @BeforeAll
    static void start() throws Exception {
        RelayConfig demo = RelayConfig.load(Path.of("../config.yaml"));
        server = LocalServer.start(new LocalServer.Options(null, 0, null, "127.0.0.1"), demo,
                new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", TestRelay.MASTER_KEY)));
        claude = AnthropicOkHttpClient.builder().baseUrl(server.url()).apiKey(TestRelay.MASTER_KEY).maxRetries(0).build();
        gpt = TestRelay.sdk(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void messages_toolRoundTrip() {
        MessageCreateParams.Builder conversation = MessageCreateParams.builder().model("mock-gpt").maxTokens(200)
                .addTool(WEATHER).toolChoice(ToolChoiceAny.builder().build()).addUserMessage("Weather in Paris?");

        Message first = claude.messages().create(conversation.build());

        assertEquals(StopReason.TOOL_USE, first.stopReason().orElseThrow());
        ToolUseBlock use = first.content().get(0).asToolUse();
        assertEquals("get_weather", use.name());
        assertEquals(Map.of("city", "mock", "unit", "celsius"), use._input().convert(Map.class), "fits the tool's schema");

        conversation.toolChoice(com.anthropic.models.messages.ToolChoiceAuto.builder().build()).addMessage(first)
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
                        ToolResultBlockParam.builder().toolUseId(use.id()).content("18C and sunny").build())));
        Message second = claude.messages().create(conversation.build());

        assertEquals(StopReason.END_TURN, second.stopReason().orElseThrow());
        assertEquals("Mock answer from the tools: 18C and sunny", second.content().get(0).asText().text());
    }

    @Test
    void messages_streamedWithThinking_giveAThinkingBlockThenTheToolCall() {
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = claude.messages().createStreaming(MessageCreateParams.builder()
                .model("mock-gpt").maxTokens(2048).enabledThinking(1024).addTool(WEATHER)
                .addUserMessage("Call get_weather for Oslo").build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message message = accumulator.message();

        assertTrue(message.content().get(0).asThinking().thinking().startsWith("Mock reasoning"), message.toString());
        ToolUseBlock use = message.content().get(1).asToolUse();
        assertEquals("get_weather", use.name(), "auto: the tool the user names");
        assertEquals(Map.of("city", "mock", "unit", "celsius"), use._input().convert(Map.class));
        assertEquals(StopReason.TOOL_USE, message.stopReason().orElseThrow());
    }

    static final FunctionTool WEATHER_FUNCTION = FunctionTool.builder().name("get_weather").strict(true)
            .parameters(FunctionTool.Parameters.builder()
                    .putAdditionalProperty("type", com.openai.core.JsonValue.from("object"))
                    .putAdditionalProperty("properties", com.openai.core.JsonValue.from(Map.of("city", Map.of("type", "string"),
                            "days", Map.of("type", "integer", "minimum", 1))))
                    .putAdditionalProperty("required", com.openai.core.JsonValue.from(List.of("city", "days")))
                    .putAdditionalProperty("additionalProperties", com.openai.core.JsonValue.from(false)).build())
            .build();

    @Test
    void responses_functionCallRoundTrip_withPreviousResponseId() throws Exception {
        Response first = gpt.responses().create(ResponseCreateParams.builder().model("mock-gpt").input("Weather in Oslo?")
                .addTool(WEATHER_FUNCTION).toolChoice(ToolChoiceOptions.REQUIRED).build());
        ResponseFunctionToolCall call = first.output().get(0).asFunctionCall();
        assertEquals("get_weather", call.name());
        assertEquals(Json.MAPPER.readTree("{\"city\":\"mock\",\"days\":1}"), Json.MAPPER.readTree(call.arguments()));

        Response second = gpt.responses().create(ResponseCreateParams.builder().model("mock-gpt").previousResponseId(first.id())
                .inputOfResponse(List.of(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                        .callId(call.callId()).output("-2C").build()))).build());

        assertEquals("Mock answer from the tools: -2C", second.output().get(0).asMessage().content().get(0).asOutputText().text());
        assertEquals(first.id(), second.previousResponseId().orElseThrow());
    }

    @Test
    void responses_streamed_withReasoningAndAJsonSchema() throws Exception {
        ResponseFormatTextJsonSchemaConfig format = ResponseFormatTextJsonSchemaConfig.builder().name("report").strict(true)
                .schema(ResponseFormatTextJsonSchemaConfig.Schema.builder()
                        .putAdditionalProperty("type", com.openai.core.JsonValue.from("object"))
                        .putAdditionalProperty("properties", com.openai.core.JsonValue.from(Map.of(
                                "answer", Map.of("type", "string"), "confident", Map.of("type", "boolean"))))
                        .putAdditionalProperty("required", com.openai.core.JsonValue.from(List.of("answer", "confident")))
                        .putAdditionalProperty("additionalProperties", com.openai.core.JsonValue.from(false)).build())
                .build();
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (var stream = gpt.responses().createStreaming(ResponseCreateParams.builder().model("mock-gpt").input("Is it cold?")
                .reasoning(Reasoning.builder().effort(ReasoningEffort.LOW).build())
                .text(ResponseTextConfig.builder().format(format).build()).build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Response response = accumulator.response();

        assertTrue(response.output().get(0).isReasoning(), response.toString());
        assertTrue(response.usage().orElseThrow().outputTokensDetails().reasoningTokens() > 0, "the mock counts its reasoning");
        String text = response.output().get(1).asMessage().content().get(0).asOutputText().text();
        assertEquals(Json.MAPPER.readTree("{\"answer\":\"Mock answer to: Is it cold?\",\"confident\":true}"), Json.MAPPER.readTree(text));
    }

    @Test
    void chat_n_givesThatManyChoices() {
        var answer = gpt.chat().completions().create(ChatCompletionCreateParams.builder().model("mock-gpt")
                .addUserMessage("hello").n(3).build());

        assertEquals(3, answer.choices().size());
        answer.choices().forEach(c -> assertEquals("Mock answer to: hello", c.message().content().orElseThrow()));
        assertFalse(answer.usage().isEmpty());
    }
}
