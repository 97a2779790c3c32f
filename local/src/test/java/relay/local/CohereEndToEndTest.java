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
import com.openai.errors.RateLimitException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.testing.FakeCohere;
import relay.testing.FakeOpenAi;

/**
 * The official OpenAI Java SDK -> the local server -> the Cohere adapter -> a real HTTP server
 * speaking Cohere's v2 API: chat, streaming, a tool round trip, embeddings and errors, in OpenAI's shapes.
 */
class CohereEndToEndTest {
    static final String MASTER_KEY = TestRelay.MASTER_KEY;
    static final String COHERE_KEY = "co-e2e-0123456789";

    static FakeCohere upstream;
    static LocalServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeCohere.start();
        server = TestRelay.start("""
                model_list:
                  - model_name: command
                    litellm_params:
                      model: cohere/command-r-08-2024
                      api_base: %1$s
                  - model_name: cohere-embed
                    litellm_params:
                      model: cohere/embed-v4.0
                      api_base: %1$s
                router_settings:
                  num_retries: 0
                """.formatted(upstream.baseUrl()), Map.of("COHERE_API_KEY", COHERE_KEY));
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
    void chat_isAnsweredByCohere_withTheDefaultKeyAndV2Format() {
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("command").addSystemMessage("Be brief.").addUserMessage("hello there")
                        .temperature(0.5).topP(0.9).build());
        ChatCompletion completion = raw.parse();

        assertEquals("Echo: hello there", completion.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
        assertEquals(15, completion.usage().orElseThrow().totalTokens());
        assertEquals("cohere/command-r-08-2024", raw.headers().values("x-relay-model").get(0));
        var sent = upstream.lastRequest();
        assertEquals("/v2/chat", sent.path());
        assertEquals("Bearer " + COHERE_KEY, sent.headers().get("authorization"));
        assertEquals("command-r-08-2024", sent.json().path("model").asText());
        assertEquals("system", sent.json().path("messages").get(0).path("role").asText());
        assertEquals(0.9, sent.json().path("p").asDouble());
    }

    @Test
    void streaming_deliversTheTextInOrder_andUsageWhenAsked() {
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("command").addUserMessage("one two three")
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
    void toolCall_roundTrip_fromToolCallToToolResultToAnswer() {
        ChatCompletionFunctionTool weather = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather").description("Current weather")
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .build())
                .build()).build();
        ChatCompletionCreateParams first = ChatCompletionCreateParams.builder().model("command")
                .addUserMessage("Weather in Paris?").addTool(weather).build();

        ChatCompletion asked = client.chat().completions().create(first);

        var choice = asked.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("call_fake_1", call.id());
        assertEquals("get_weather", call.function().name());
        assertEquals("{\"city\":\"Paris\"}", call.function().arguments());
        assertEquals("get_weather", upstream.lastRequest().json().path("tools").get(0).path("function").path("name").asText());

        ChatCompletion answered = client.chat().completions().create(first.toBuilder()
                .addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("18C and sunny").build())
                .build());

        assertEquals("Tool said: 18C and sunny", answered.choices().get(0).message().content().orElseThrow());
        JsonNode messages = upstream.lastRequest().json().path("messages");
        assertEquals("assistant", messages.get(1).path("role").asText());
        assertEquals("I will call get_weather.", messages.get(1).path("tool_plan").asText(), "the plan returned as content goes back as tool_plan");
        assertEquals("call_fake_1", messages.get(1).path("tool_calls").get(0).path("id").asText());
        assertEquals("tool", messages.get(2).path("role").asText());
        assertEquals("call_fake_1", messages.get(2).path("tool_call_id").asText());
    }

    @Test
    void embeddings_comeBackInOpenAisShape() {
        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("cohere-embed").input("hello").build());

        List<Double> expected = new ArrayList<>();
        for (float f : FakeOpenAi.vectorFor("hello")) expected.add((double) f);
        assertEquals(expected, response.data().get(0).embedding().stream().map(Float::doubleValue).toList());
        assertEquals("/v2/embed", upstream.lastRequest().path());
    }

    @Test
    void trialKeyRateLimit_isTheSdksRateLimitError() {
        upstream.enqueue(new FakeCohere.Reply.Status(429, FakeCohere.errorBody("You are using a Trial key, which is limited to 20 API calls / minute.")));

        RateLimitException e = assertThrows(RateLimitException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("command").addUserMessage("hi").build()));

        assertTrue(e.getMessage().contains("Trial key"), e.getMessage());
    }

    @Test
    void tooManyTokens_isTheSdksBadRequest_withContextLengthExceeded() {
        upstream.enqueue(new FakeCohere.Reply.Status(400, FakeCohere.errorBody("too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 4292.")));

        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("command").addUserMessage("very long").build()));

        assertEquals("context_length_exceeded", e.code().orElseThrow());
    }

    @Test
    void aParameterCohereLacks_isABadRequestNamingIt_withoutReachingCohere() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("command").addUserMessage("hi").n(2).build()));

        assertEquals("n", e.param().orElseThrow());
        assertTrue(upstream.requests().isEmpty());
    }
}
