package relay.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import com.openai.models.ResponseFormatJsonObject;
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
import relay.testing.FakeBedrock;

/**
 * The official OpenAI Java SDK -> the local server -> the Bedrock adapter -> a real HTTP server
 * speaking Converse, ConverseStream (binary event stream) and InvokeModel. The local server has no AWS
 * signer, so the deployments authenticate with a Bedrock API key (sent as a bearer token); SigV4
 * signing is covered by BedrockProviderTest and AwsRequestSignerTest.
 */
class BedrockEndToEndTest {
    static final String MASTER_KEY = TestRelay.MASTER_KEY;
    static final String BEDROCK_KEY = "ABSKQmVkcm9ja0FQSUtleS1lMmUtMDEyMzQ1Njc4OQ==";
    static final String ENCODED_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1%3A0";

    static FakeBedrock upstream;
    static LocalServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeBedrock.start();
        server = TestRelay.start("""
                model_list:
                  - model_name: claude
                    litellm_params:
                      model: bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0
                      api_base: %1$s
                      api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK
                      aws_region_name: eu-west-1
                  - model_name: titan-embed
                    litellm_params:
                      model: bedrock/amazon.titan-embed-text-v2:0
                      api_base: %1$s
                      api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK
                router_settings:
                  num_retries: 0
                """.formatted(upstream.baseUrl()), Map.of("AWS_BEARER_TOKEN_BEDROCK", BEDROCK_KEY));
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
    void chat_isAnsweredThroughConverse_withSystemPromptAndSettings() {
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("claude").addSystemMessage("Be brief.").addUserMessage("hello there")
                        .temperature(0.5).maxCompletionTokens(64).build());
        ChatCompletion completion = raw.parse();

        assertEquals("Echo: hello there", completion.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
        assertEquals(15, completion.usage().orElseThrow().totalTokens());
        assertEquals("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", raw.headers().values("x-relay-model").get(0));
        var sent = upstream.lastRequest();
        assertEquals("/model/" + ENCODED_MODEL + "/converse", sent.path());
        assertEquals("Bearer " + BEDROCK_KEY, sent.headers().get("authorization"));
        assertEquals("Be brief.", sent.json().path("system").get(0).path("text").asText());
        assertEquals(0.5, sent.json().path("inferenceConfig").path("temperature").asDouble());
        assertEquals(64, sent.json().path("inferenceConfig").path("maxTokens").asInt());
    }

    @Test
    void streaming_decodesTheEventStream_intoChunksInOrder_withUsageWhenAsked() {
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
        assertEquals("/model/" + ENCODED_MODEL + "/converse-stream", upstream.lastRequest().path());
        assertEquals(15, chunks.get(chunks.size() - 1).usage().orElseThrow().totalTokens());
    }

    @Test
    void toolCall_roundTrip_fromToolUseToToolResultToAnswer() {
        upstream.enqueue(new FakeBedrock.Reply.Body("""
                {"output":{"message":{"role":"assistant","content":[{"text":"Let me check."},
                  {"toolUse":{"toolUseId":"tooluse_01","name":"get_weather","input":{"city":"Paris"}}}]}},
                 "stopReason":"tool_use","usage":{"inputTokens":30,"outputTokens":12,"totalTokens":42}}"""));
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
        assertEquals("tooluse_01", call.id());
        assertEquals("get_weather", call.function().name());
        assertEquals("{\"city\":\"Paris\"}", call.function().arguments());
        assertEquals("get_weather", upstream.lastRequest().json().path("toolConfig").path("tools").get(0).path("toolSpec").path("name").asText());

        ChatCompletion answered = client.chat().completions().create(first.toBuilder()
                .addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("18C and sunny").build())
                .build());

        assertEquals("Echo: 18C and sunny", answered.choices().get(0).message().content().orElseThrow());
        JsonNode messages = upstream.lastRequest().json().path("messages");
        assertEquals(3, messages.size());
        JsonNode toolUse = messages.get(1).path("content").get(1).path("toolUse");
        assertEquals("tooluse_01", toolUse.path("toolUseId").asText());
        assertEquals("Paris", toolUse.path("input").path("city").asText());
        assertEquals("user", messages.get(2).path("role").asText());
        JsonNode toolResult = messages.get(2).path("content").get(0).path("toolResult");
        assertEquals("tooluse_01", toolResult.path("toolUseId").asText());
        assertEquals("18C and sunny", toolResult.path("content").get(0).path("text").asText());
    }

    @Test
    void jsonMode_isAnsweredAsText_fromTheForcedJsonTool() {
        upstream.enqueue(new FakeBedrock.Reply.Body("""
                {"output":{"message":{"role":"assistant","content":[
                  {"toolUse":{"toolUseId":"tooluse_02","name":"json_tool_call","input":{"city":"Paris"}}}]}},
                 "stopReason":"tool_use","usage":{"inputTokens":20,"outputTokens":8,"totalTokens":28}}"""));

        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder().model("claude")
                .addUserMessage("A city as JSON").responseFormat(ResponseFormatJsonObject.builder().build()).build());

        assertEquals("{\"city\":\"Paris\"}", completion.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
        assertEquals("json_tool_call", upstream.lastRequest().json().path("toolConfig").path("toolChoice").path("tool").path("name").asText());
    }

    @Test
    void throttledBedrock_isTheSdksRateLimitException() {
        upstream.enqueue(new FakeBedrock.Reply.Error(429, "ThrottlingException", "Too many requests, please wait before trying again."));

        RateLimitException e = assertThrows(RateLimitException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("claude").addUserMessage("hi").build()));

        assertTrue(e.getMessage().contains("Too many requests"), e.getMessage());
    }

    @Test
    void aParameterConverseLacks_isABadRequestNamingIt_withoutReachingBedrock() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("claude").addUserMessage("hi").seed(7).build()));

        assertEquals("seed", e.param().orElseThrow());
        assertTrue(upstream.requests().isEmpty());
    }

    @Test
    void embeddings_fromTitan_oneInvokePerInput() {
        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("titan-embed").inputOfArrayOfStrings(List.of("hello", "hi"))
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());

        assertEquals(2, upstream.requests().size());
        assertEquals("/model/amazon.titan-embed-text-v2%3A0/invoke", upstream.lastRequest().path());
        List<Float> first = response.data().get(0).embedding();
        float[] expected = FakeBedrock.vectorFor("hello");
        assertArrayEquals(expected, new float[] {first.get(0), first.get(1), first.get(2)});
        assertEquals(6, response.usage().promptTokens());
    }

    // ---- Anthropic's SDK on /v1/messages: Claude on Bedrock takes it natively, through InvokeModel ----

    static com.anthropic.client.AnthropicClient claudeSdk() {
        return com.anthropic.client.okhttp.AnthropicOkHttpClient.builder().baseUrl(server.url()).apiKey(MASTER_KEY).maxRetries(0).build();
    }

    static String chunk(String claudeEvent) {
        return "{\"chunk\":{\"bytes\":\"" + java.util.Base64.getEncoder().encodeToString(claudeEvent.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "\"}}";
    }

    @Test
    void messages_toClaudeOnBedrock_goThroughInvokeModel_thinkingSignatureAndCacheUsageIntact() {
        upstream.enqueue(new FakeBedrock.Reply.Body("""
                {"id":"msg_bdrk","type":"message","role":"assistant","model":"claude-3-5-sonnet-20240620",
                 "content":[{"type":"thinking","thinking":"Hmm.","signature":"EqQBsigned"},{"type":"text","text":"Bonjour."}],
                 "stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":7,"cache_read_input_tokens":1500,"output_tokens":3}}"""));

        var message = claudeSdk().messages().create(com.anthropic.models.messages.MessageCreateParams.builder().model("claude")
                .maxTokens(2048).enabledThinking(1024).addUserMessage("Say hello in French.")
                .putAdditionalHeader("anthropic-beta", "interleaved-thinking-2025-05-14").build());

        assertEquals("EqQBsigned", message.content().get(0).asThinking().signature());
        assertEquals("Bonjour.", message.content().get(1).asText().text());
        assertEquals(1500, message.usage().cacheReadInputTokens().orElseThrow());
        var sent = upstream.lastRequest();
        assertEquals("/model/" + ENCODED_MODEL + "/invoke", sent.path());
        assertEquals("Bearer " + BEDROCK_KEY, sent.headers().get("authorization"));
        JsonNode body = sent.json();
        assertEquals("bedrock-2023-05-31", body.path("anthropic_version").asText());
        assertEquals("interleaved-thinking-2025-05-14", body.at("/anthropic_beta/0").asText());
        assertEquals(1024, body.at("/thinking/budget_tokens").asInt());
        assertTrue(!body.has("model") && !body.has("stream"), body.toString());
    }

    @Test
    void messages_streamedFromClaudeOnBedrock_arriveAsClaudesEvents() {
        upstream.enqueue(new FakeBedrock.Reply.Events(List.of(
                chunk("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],"
                        + "\"model\":\"claude\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}"),
                chunk("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
                chunk("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Bon\"}}"),
                chunk("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"jour.\"}}"),
                chunk("{\"type\":\"content_block_stop\",\"index\":0}"),
                chunk("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":4}}"),
                chunk("{\"type\":\"message_stop\"}"))));
        var accumulator = com.anthropic.helpers.MessageAccumulator.create();

        try (var stream = claudeSdk().messages().createStreaming(com.anthropic.models.messages.MessageCreateParams.builder()
                .model("claude").maxTokens(100).addUserMessage("Say hello in French.").build())) {
            stream.stream().forEach(accumulator::accumulate);
        }

        assertEquals("Bonjour.", accumulator.message().content().get(0).asText().text());
        assertEquals(4, accumulator.message().usage().outputTokens());
        assertEquals("/model/" + ENCODED_MODEL + "/invoke-with-response-stream", upstream.lastRequest().path());
    }
}
