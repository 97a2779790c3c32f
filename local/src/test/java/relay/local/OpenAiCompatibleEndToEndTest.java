package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
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
import relay.testing.FakeOpenAiCompatible;
import relay.testing.FakeOpenAiCompatible.Reply;

/**
 * The official OpenAI Java SDK -> the local server -> the Azure, OpenRouter, OpenAI-compatible host
 * (Groq, Mistral) and legacy text-completion adapters -> a loopback server speaking each one's API.
 */
class OpenAiCompatibleEndToEndTest {
    static final String MASTER_KEY = TestRelay.MASTER_KEY;
    static final Map<String, String> KEYS = Map.of("AZURE_API_KEY", "azure-e2e-key-0123456789",
            "OPENROUTER_API_KEY", "sk-or-e2e-0123456789", "GROQ_API_KEY", "gsk_e2e0123456789",
            "MISTRAL_API_KEY", "mistral-e2e-0123456789", "OPENAI_API_KEY", "sk-openai-e2e-0123456789");

    static FakeOpenAiCompatible upstream;
    static LocalServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeOpenAiCompatible.start();
        server = TestRelay.start("""
                model_list:
                  - model_name: azure-gpt
                    litellm_params: {model: azure/gpt4o-prod, api_base: "%1$s", api_version: 2024-06-01}
                  - model_name: router-claude
                    litellm_params: {model: openrouter/anthropic/claude-3.5-sonnet, api_base: "%1$s/api/v1"}
                  - model_name: palm
                    litellm_params: {model: openrouter/google/palm-2-chat-bison, api_base: "%1$s/api/v1"}
                  - model_name: groq-llama
                    litellm_params: {model: groq/llama-3.3-70b-versatile, api_base: "%1$s/v1"}
                  - model_name: mistral-small
                    litellm_params: {model: mistral/mistral-small-latest, api_base: "%1$s/v1"}
                  - model_name: instruct
                    litellm_params: {model: text-completion-openai/gpt-3.5-turbo-instruct, api_base: "%1$s/v1"}
                  - model_name: davinci
                    litellm_params: {model: text-completion-openai/text-davinci-003, api_base: "%1$s/v1"}
                router_settings:
                  num_retries: 0
                  allowed_fails: 100
                """.formatted(upstream.origin()), KEYS);
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

    static ChatCompletionCreateParams ask(String model, String text) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage(text).build();
    }

    /** Recorded Mistral answers (Vercel AI SDK fixtures, Apache-2.0; see FIXTURES-NOTICE.md in shared/providers). */
    static final String MISTRAL_TOOL_CALL = """
            {
              "id": "b3999b8c93e04e11bcbff7bcab829667",
              "created": 1769088854,
              "model": "mistral-small-latest",
              "usage": {
                "prompt_tokens": 124,
                "total_tokens": 146,
                "completion_tokens": 22
              },
              "object": "chat.completion",
              "choices": [
                {
                  "index": 0,
                  "finish_reason": "tool_calls",
                  "message": {
                    "role": "assistant",
                    "tool_calls": [
                      {
                        "id": "gSIMJiOkT",
                        "function": {
                          "name": "weather",
                          "arguments": "{\\"location\\": \\"San Francisco\\"}"
                        }
                      }
                    ]
                  }
                }
              ]
            }""";

    static final String MISTRAL_INCREMENTAL_TOOL_CALL_EVENTS = """
            {"id":"735e434874a24f68a2390b3cab149242","object":"chat.completion.chunk","created":1787234678,"model":"zai-glm-5-2","choices":[{"index":0,"delta":{"tool_calls":[{"id":"chatcmpl-tool-9f149c74c42f265b","type":"function","function":{"name":"webSearchTool","arguments":""},"index":0}],"index":0,"content":""},"finish_reason":null,"logprobs":null}]}
            {"id":"735e434874a24f68a2390b3cab149242","object":"chat.completion.chunk","created":1787234678,"model":"zai-glm-5-2","choices":[{"index":0,"delta":{"tool_calls":[{"type":"function","function":{"name":"","arguments":"{\\"query\\": \\"current Berlin weather\\"}"},"index":0}],"index":0,"content":""},"finish_reason":null,"logprobs":null}]}
            {"id":"735e434874a24f68a2390b3cab149242","object":"chat.completion.chunk","created":1787234678,"model":"zai-glm-5-2","choices":[{"index":0,"delta":{"index":0,"content":""},"finish_reason":"tool_calls","logprobs":null}],"usage":{"prompt_tokens":171,"total_tokens":185,"completion_tokens":14,"prompt_tokens_details":{"cached_tokens":128}}}""";

    // ---- Azure ----

    @Test
    void azure_chat_goesToTheDeployment_withApiKeyAndTheConfiguredApiVersion() {
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(ask("azure-gpt", "hello azure"));

        assertEquals("Echo: hello azure", raw.parse().choices().get(0).message().content().orElseThrow());
        assertEquals("azure/gpt4o-prod", raw.headers().values("x-relay-model").get(0));
        var sent = upstream.lastRequest();
        assertEquals("/openai/deployments/gpt4o-prod/chat/completions", sent.path());
        assertEquals("api-version=2024-06-01", sent.query());
        assertEquals(KEYS.get("AZURE_API_KEY"), sent.headers().get("api-key"));
        assertNull(sent.headers().get("authorization"));
        assertFalse(sent.json().has("model"));
    }

    @Test
    void azure_streaming_deliversTheTextInOrder_withUsageWhenAsked() {
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("azure-gpt").addUserMessage("one two three")
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
            });
        }

        assertEquals("Echo: one two three", text.toString());
        assertEquals(15, chunks.get(chunks.size() - 1).usage().orElseThrow().totalTokens());
    }

    @Test
    void azure_promptStoppedByTheContentFilter_isTheSdksBadRequest_withContentPolicyViolation() {
        upstream.enqueue(new Reply.Body(400, """
                {"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
                 "type":null,"param":"prompt","code":"content_filter","status":400,
                 "innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"violence":{"filtered":true,"severity":"high"}}}}}"""));

        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(ask("azure-gpt", "something violent")));

        assertEquals("content_policy_violation", e.code().orElseThrow());
        assertTrue(e.getMessage().contains("content management policy"), e.getMessage());
    }

    // ---- OpenAI-compatible hosts: tool calls ----

    @Test
    void groq_toolCall_roundTrip_fromToolCallToToolResultToAnswer() {
        ChatCompletionFunctionTool weather = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather").description("Current weather")
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .build())
                .build()).build();
        ChatCompletionCreateParams first = ChatCompletionCreateParams.builder().model("groq-llama")
                .addUserMessage("Paris").addTool(weather).build();

        ChatCompletion asked = client.chat().completions().create(first);

        var choice = asked.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("get_weather", call.function().name());
        assertEquals("{\"input\":\"Paris\"}", call.function().arguments());
        assertEquals("Bearer " + KEYS.get("GROQ_API_KEY"), upstream.lastRequest().headers().get("authorization"));

        ChatCompletion answered = client.chat().completions().create(first.toBuilder()
                .addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("18C and sunny").build())
                .build());

        assertEquals("Tool said: 18C and sunny", answered.choices().get(0).message().content().orElseThrow());
        JsonNode messages = upstream.lastRequest().json().path("messages");
        assertEquals(3, messages.size());
        assertEquals("call_fake_1", messages.get(1).path("tool_calls").get(0).path("id").asText());
        assertEquals("tool", messages.get(2).path("role").asText());
        assertEquals("call_fake_1", messages.get(2).path("tool_call_id").asText());
    }

    @Test
    void mistral_recordedToolCallWithoutType_isATypedFunctionToolCallForTheSdk() {
        upstream.enqueue(new Reply.Body(200, MISTRAL_TOOL_CALL));

        ChatCompletion completion = client.chat().completions().create(ask("mistral-small", "Weather in San Francisco?"));

        ChatCompletionMessageFunctionToolCall call = completion.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("gSIMJiOkT", call.id());
        assertEquals("weather", call.function().name());
        assertEquals(146, completion.usage().orElseThrow().totalTokens());
    }

    @Test
    void mistral_recordedIncrementalToolCallStream_accumulatesInTheSdk() {
        upstream.enqueue(new Reply.Events(MISTRAL_INCREMENTAL_TOOL_CALL_EVENTS.lines().toList(), true));
        StringBuilder arguments = new StringBuilder();
        List<String> names = new ArrayList<>();
        List<ChatCompletionChunk.Choice.FinishReason> finishes = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ask("mistral-small", "Weather in Berlin?"))) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(c -> {
                c.finishReason().ifPresent(finishes::add);
                c.delta().toolCalls().ifPresent(calls -> calls.forEach(t -> {
                    assertEquals(0, t.index());
                    t.function().flatMap(ChatCompletionChunk.Choice.Delta.ToolCall.Function::name).ifPresent(names::add);
                    t.function().flatMap(ChatCompletionChunk.Choice.Delta.ToolCall.Function::arguments).ifPresent(arguments::append);
                }));
            }));
        }

        assertEquals(List.of("webSearchTool"), names);
        assertEquals("{\"query\": \"current Berlin weather\"}", arguments.toString());
        assertEquals(List.of(ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS), finishes);
    }

    @Test
    void groq_parameterItRejects_isTheSdksBadRequestNamingIt_withoutReachingGroq() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("groq-llama").addUserMessage("hi").logprobs(true).build()));

        assertEquals("logprobs", e.param().orElseThrow());
        assertTrue(upstream.requests().isEmpty());
    }

    // ---- OpenRouter ----

    @Test
    void openRouter_chat_sendsTheVendorModel_andPassesItsOwnFields() {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("router-claude").addUserMessage("hello router")
                .putAdditionalBodyProperty("transforms", JsonValue.from(List.of("middle-out")))
                .putAdditionalBodyProperty("provider", JsonValue.from(Map.of("order", List.of("Anthropic"))))
                .build());

        assertEquals("Echo: hello router", completion.choices().get(0).message().content().orElseThrow());
        var sent = upstream.lastRequest();
        assertEquals("/api/v1/chat/completions", sent.path());
        assertEquals("anthropic/claude-3.5-sonnet", sent.json().path("model").asText());
        assertEquals("middle-out", sent.json().path("transforms").get(0).asText());
        assertEquals("Anthropic", sent.json().path("provider").path("order").get(0).asText());
        assertEquals("Bearer " + KEYS.get("OPENROUTER_API_KEY"), sent.headers().get("authorization"));
    }

    @Test
    void openRouter_retiredModel404_isTheSdksNotFound_withOpenRoutersWords() {
        upstream.enqueue(new Reply.Body(404, "{\"error\":{\"message\":\"No endpoints found for google/palm-2-chat-bison.\",\"code\":404}}"));

        NotFoundException e = assertThrows(NotFoundException.class, () -> client.chat().completions().create(ask("palm", "hi")));

        assertTrue(e.getMessage().contains("No endpoints found for google/palm-2-chat-bison."), e.getMessage());
    }

    @Test
    void openRouter_invalidModel400_isTheSdksBadRequest() {
        upstream.enqueue(new Reply.Body(400, "{\"error\":{\"message\":\"google/palm-2-chat-bison is not a valid model ID\",\"code\":400}}"));

        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(ask("palm", "hi")));

        assertTrue(e.getMessage().contains("is not a valid model ID"), e.getMessage());
    }

    // ---- legacy text completions ----

    @Test
    void textCompletion_chat_isAnsweredFromCompletionsText() {
        ChatCompletion completion = client.chat().completions().create(ask("instruct", "Say this is a test"));

        assertEquals("Echo: Say this is a test", completion.choices().get(0).message().content().orElseThrow());
        assertEquals(10, completion.usage().orElseThrow().totalTokens());
        var sent = upstream.lastRequest();
        assertEquals("/v1/completions", sent.path());
        assertEquals("Say this is a test", sent.json().path("prompt").asText());
        assertEquals("gpt-3.5-turbo-instruct", sent.json().path("model").asText());
    }

    @Test
    void textCompletion_streaming_deliversTheTextInOrder() {
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(ask("instruct", "one two"))) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
        }

        assertEquals("Echo: one two", text.toString());
    }

    @Test
    void textCompletion_retiredModel_isTheSdksNotFound_withOpenAisWords() {
        upstream.enqueue(new Reply.Body(404, FakeOpenAiCompatible.errorBody("The model `text-davinci-003` has been deprecated, "
                + "learn more here: https://platform.openai.com/docs/deprecations", "invalid_request_error", "model_not_found")));

        NotFoundException e = assertThrows(NotFoundException.class, () -> client.chat().completions().create(ask("davinci", "hi")));

        assertTrue(e.getMessage().contains("has been deprecated"), e.getMessage());
    }
}
