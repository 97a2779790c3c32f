package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.testing.FakeReplicate;

/**
 * The official OpenAI Java SDK -> the local server -> the Replicate adapter -> a real HTTP server
 * speaking Replicate's predictions API: a Llama 3 chat, its stream, and the failures a client can see.
 */
class ReplicateEndToEndTest {
    static final String MASTER_KEY = TestRelay.MASTER_KEY;
    static final String REPLICATE_KEY = "r8_e2e_0123456789";
    static final String ANSWER = String.join("", FakeReplicate.DEFAULT_ANSWER);

    static FakeReplicate upstream;
    static LocalServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeReplicate.start();
        server = TestRelay.start("""
                model_list:
                  - model_name: llama
                    litellm_params:
                      model: replicate/meta/meta-llama-3-8b-instruct
                      api_base: %s
                router_settings:
                  num_retries: 0
                """.formatted(upstream.baseUrl()), Map.of("REPLICATE_API_KEY", REPLICATE_KEY));
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
    void chat_isAnsweredByAPrediction_withTheLlama3Template() {
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("llama").addSystemMessage("Be brief.").addUserMessage("Capital of France?")
                        .maxCompletionTokens(64).build());
        ChatCompletion completion = raw.parse();

        assertEquals(ANSWER, completion.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
        assertEquals(12 + FakeReplicate.DEFAULT_ANSWER.size(), completion.usage().orElseThrow().totalTokens());
        assertEquals("replicate/meta/meta-llama-3-8b-instruct", raw.headers().values("x-relay-model").get(0));
        var sent = upstream.requests("POST", "/v1/models/").get(0);
        assertEquals("/v1/models/meta/meta-llama-3-8b-instruct/predictions", sent.path());
        assertEquals("Bearer " + REPLICATE_KEY, sent.headers().get("authorization"));
        assertTrue(sent.headers().get("prefer").startsWith("wait="));
        var input = sent.json().path("input");
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nCapital of France?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", input.path("prompt").asText());
        assertEquals(64, input.path("max_tokens").asInt());
    }

    @Test
    void streaming_deliversTheOutputEventsInOrder_andUsageWhenAsked() {
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("llama").addUserMessage("Capital of France?")
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
            });
        }

        assertEquals(ANSWER, text.toString());
        assertEquals(1, upstream.requests("GET", "/stream/").size());
        assertEquals(12 + FakeReplicate.DEFAULT_ANSWER.size(), chunks.get(chunks.size() - 1).usage().orElseThrow().totalTokens());
    }

    @Test
    void tools_areABadRequestNamingThem_withoutReachingReplicate() {
        ChatCompletionFunctionTool weather = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather").parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object")).build())
                .build()).build();

        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("llama").addUserMessage("Weather?").addTool(weather).build()));

        assertEquals("tools", e.param().orElseThrow());
        assertTrue(upstream.requests().isEmpty());
    }

    @Test
    void failedPrediction_isTheSdksServerError_withReplicatesReason() {
        upstream.enqueue(new FakeReplicate.Reply.Fail("CUDA out of memory"));

        InternalServerException e = assertThrows(InternalServerException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("llama").addUserMessage("hi").build()));

        assertEquals(502, e.statusCode());
        assertTrue(e.getMessage().contains("CUDA out of memory"), e.getMessage());
    }

    @Test
    void invalidInput_isTheSdksBadRequest() {
        upstream.enqueue(new FakeReplicate.Reply.Status(422, FakeReplicate.errorBody(422, "Input validation failed",
                "input.top_p: Must be less than or equal to 1")));

        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("llama").addUserMessage("hi").build()));

        assertTrue(e.getMessage().contains("input.top_p"), e.getMessage());
    }
}
