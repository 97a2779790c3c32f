package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
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
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.testing.FakeHuggingFace;
import relay.testing.FakeOpenAi;

/**
 * The official OpenAI Java SDK -> the local server -> the Hugging Face adapter -> a real HTTP server
 * standing in for a TGI endpoint (OpenAI-compatible chat) and a TEI server (feature extraction).
 */
class HuggingFaceEndToEndTest {
    static final String MASTER_KEY = TestRelay.MASTER_KEY;
    static final String HF_KEY = "hf_e2e_0123456789";

    static FakeHuggingFace upstream;
    static LocalServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeHuggingFace.start();
        server = TestRelay.start("""
                model_list:
                  - model_name: llama
                    litellm_params:
                      model: huggingface/meta-llama/Llama-3.1-8B-Instruct
                      api_base: %1$s
                  - model_name: bge
                    litellm_params:
                      model: huggingface/BAAI/bge-small-en-v1.5
                      api_base: %1$s/embed
                router_settings:
                  num_retries: 0
                """.formatted(upstream.rootUrl()), Map.of("HUGGINGFACE_API_KEY", HF_KEY));
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
    void chat_isAnsweredByTheEndpointsMessagesApi() {
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(
                ChatCompletionCreateParams.builder().model("llama").addUserMessage("hello there").temperature(0.5).build());
        ChatCompletion completion = raw.parse();

        assertEquals("Echo: hello there", completion.choices().get(0).message().content().orElseThrow());
        assertEquals(15, completion.usage().orElseThrow().totalTokens());
        assertEquals("huggingface/meta-llama/Llama-3.1-8B-Instruct", raw.headers().values("x-relay-model").get(0));
        var sent = upstream.lastRequest();
        assertEquals("/v1/chat/completions", sent.path());
        assertEquals("Bearer " + HF_KEY, sent.headers().get("authorization"));
        assertEquals("meta-llama/Llama-3.1-8B-Instruct", sent.json().path("model").asText());
    }

    @Test
    void streaming_deliversTheTextInOrder_andUsageWhenAsked() {
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("llama").addUserMessage("one two three")
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
    void toolCall_roundTrip_fromToolCallToToolResultToAnswer() {
        ChatCompletionFunctionTool weather = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather").parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object")).build())
                .build()).build();
        ChatCompletionCreateParams first = ChatCompletionCreateParams.builder().model("llama")
                .addUserMessage("Weather in Paris?").addTool(weather).build();

        ChatCompletion asked = client.chat().completions().create(first);

        var choice = asked.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("get_weather", call.function().name());

        ChatCompletion answered = client.chat().completions().create(first.toBuilder()
                .addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("18C and sunny").build())
                .build());

        assertEquals("Tool said: 18C and sunny", answered.choices().get(0).message().content().orElseThrow());
        JsonNode messages = upstream.lastRequest().json().path("messages");
        assertEquals("call_hf_1", messages.get(2).path("tool_call_id").asText());
    }

    @Test
    void embeddings_comeFromTheFeatureExtractionServer() {
        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("bge").input("hello").build());

        List<Double> expected = new ArrayList<>();
        for (float f : FakeOpenAi.vectorFor("hello")) expected.add((double) f);
        assertEquals(expected, response.data().get(0).embedding().stream().map(Float::doubleValue).toList());
        assertEquals("/embed", upstream.lastRequest().path());
    }

    @Test
    void modelStillLoading_isTheSdksServerError_503() {
        upstream.enqueue(new FakeHuggingFace.Reply.Status(503, "{\"error\":\"Model meta-llama/Llama-3.1-8B-Instruct is currently loading\",\"estimated_time\":20.0}"));

        InternalServerException e = assertThrows(InternalServerException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("llama").addUserMessage("hi").build()));

        assertEquals(503, e.statusCode());
        assertTrue(e.getMessage().contains("currently loading"), e.getMessage());
    }
}
