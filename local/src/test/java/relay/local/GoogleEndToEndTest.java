package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.testing.FakeGoogle;

/**
 * The whole path for Google's models: the official OpenAI Java SDK -> the local server -> a loopback
 * server speaking the Gemini API, Vertex AI and Google's token endpoint.
 */
class GoogleEndToEndTest {
    static final String MASTER_KEY = TestRelay.MASTER_KEY;
    static final String GEMINI_KEY = "AIzaSyD-e2e-key-0123456789abcdefghijk";
    static final String EMAIL = "relay-e2e@e2e-proj.iam.gserviceaccount.com";

    static FakeGoogle google;
    static LocalServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        google = FakeGoogle.start();
        google.requireApiKey(GEMINI_KEY);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024); // a throwaway key; the size does not matter to the flow, and smaller is faster to make
        KeyPair keys = generator.generateKeyPair();
        google.trust(EMAIL, keys.getPublic());
        server = TestRelay.start("""
                model_list:
                  - model_name: gemini-flash
                    litellm_params:
                      model: gemini/gemini-2.5-flash
                      api_base: %1$s
                      api_key: os.environ/GEMINI_API_KEY
                  - model_name: gemini-denied
                    litellm_params:
                      model: gemini/gemini-2.5-pro
                      api_base: %1$s
                  - model_name: gemini-wrong-key
                    litellm_params:
                      model: gemini/gemini-2.5-flash
                      api_base: %1$s
                      api_key: AIzaSyD-wrong-key-0123456789abcdefghij
                  - model_name: gemini-embedding
                    litellm_params:
                      model: gemini/gemini-embedding-001
                      api_base: %1$s
                  - model_name: vertex-pro
                    litellm_params:
                      model: vertex_ai/gemini-2.5-pro
                      api_base: %1$s
                      vertex_project: e2e-proj
                      vertex_location: europe-west1
                """.formatted(google.baseUrl()), Map.of("GEMINI_API_KEY", GEMINI_KEY,
                "VERTEX_SERVICE_ACCOUNT_JSON", google.serviceAccountJson(EMAIL, "e2e-proj", keys)));
        client = TestRelay.sdk(server);
    }

    @AfterAll
    static void stop() {
        server.close();
        google.close();
    }

    @BeforeEach
    void clean() {
        google.reset();
    }

    @Test
    void chat_reachesTheGeminiApi_andAnswersInOpenAisFormat() {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gemini-flash").addSystemMessage("Be brief.").addUserMessage("hello there").temperature(0.2).build());

        assertEquals("Echo: hello there", completion.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
        assertEquals(15, completion.usage().orElseThrow().totalTokens());
        var sent = google.lastRequest();
        assertEquals("/v1beta/models/gemini-2.5-flash:generateContent", sent.path());
        assertEquals(GEMINI_KEY, sent.headers().get("x-goog-api-key"));
        assertEquals("Be brief.", sent.json().path("systemInstruction").path("parts").get(0).path("text").asText());
        assertEquals(0.2, sent.json().path("generationConfig").path("temperature").asDouble());
    }

    @Test
    void streaming_deliversTheChunksInOrder() {
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("gemini-flash").addUserMessage("one two three").build())) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
        }

        assertEquals("Echo: one two three", text.toString());
        assertEquals("/v1beta/models/gemini-2.5-flash:streamGenerateContent", google.lastRequest().path());
        assertEquals("alt=sse", google.lastRequest().query());
    }

    @Test
    void aToolCallRoundTrip_callsTheTool_thenAnswersFromItsResult() {
        ChatCompletionFunctionTool lookup = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("lookup").description("Looks a word up")
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("query", Map.of("type", "string"))))
                        .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                        .build())
                .build()).build();
        ChatCompletionCreateParams ask = ChatCompletionCreateParams.builder().model("gemini-flash")
                .addUserMessage("gemini").addTool(lookup).build();

        ChatCompletion first = client.chat().completions().create(ask);
        ChatCompletion.Choice choice = first.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("lookup", call.function().name());
        assertEquals("{\"query\":\"gemini\"}", call.function().arguments());
        assertFalse(google.lastRequest().json().path("tools").get(0).path("functionDeclarations").get(0)
                .path("parameters").has("additionalProperties"), "Gemini rejects additionalProperties");

        ChatCompletion second = client.chat().completions().create(ask.toBuilder()
                .addMessage(ChatCompletionAssistantMessageParam.builder()
                        .toolCalls(List.of(ChatCompletionMessageToolCall.ofFunction(call))).build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("{\"definition\":\"twins\"}").build())
                .build());

        assertEquals("Tool said: {\"definition\":\"twins\"}", second.choices().get(0).message().content().orElseThrow());
        var turns = google.lastRequest().json().path("contents");
        assertEquals("c2lnbmF0dXJl", turns.get(1).path("parts").get(0).path("thoughtSignature").asText(), "the signature came back");
        assertEquals("lookup", turns.get(2).path("parts").get(0).path("functionResponse").path("name").asText());
    }

    @Test
    void vertex_signsInWithTheServiceAccount_andCallsTheConfiguredProjectAndRegion() {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("vertex-pro").addUserMessage("hi vertex").build());

        assertEquals("Echo: hi vertex", completion.choices().get(0).message().content().orElseThrow());
        assertEquals(EMAIL, google.assertions().get(0).path("iss").asText());
        var sent = google.lastRequest();
        assertEquals("/v1/projects/e2e-proj/locations/europe-west1/publishers/google/models/gemini-2.5-pro:generateContent", sent.path());
        assertTrue(sent.headers().get("authorization").startsWith("Bearer ya29.fake-access-token-"));
    }

    @Test
    void embeddings_comeFromBatchEmbedContents() {
        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("gemini-embedding").input("hello").encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());

        assertEquals(List.of(5.0, (double) 'h', 0.25), response.data().get(0).embedding().stream().map(Float::doubleValue).toList());
        assertEquals("/v1beta/models/gemini-embedding-001:batchEmbedContents", google.lastRequest().path());
    }

    @Test
    void permissionDenied_isTheSdksPermissionDeniedException() {
        google.enqueue(new FakeGoogle.Reply.Status(403, FakeGoogle.errorBody(403,
                "Permission denied: Consumer 'project:x' has been suspended.", "PERMISSION_DENIED")));

        PermissionDeniedException e = assertThrows(PermissionDeniedException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gemini-denied").addUserMessage("hi").build()));

        assertEquals(403, e.statusCode());
        assertTrue(e.getMessage().contains("gemini (gemini-2.5-pro) returned 403"), e.getMessage());
    }

    @Test
    void aWrongGeminiKey_isTheSdksUnauthorizedException_withoutTheKey() {
        UnauthorizedException e = assertThrows(UnauthorizedException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gemini-wrong-key").addUserMessage("hi").build()));

        assertEquals(401, e.statusCode());
        assertTrue(e.getMessage().contains("API key not valid"), e.getMessage());
        assertFalse(e.getMessage().contains("wrong-key-0123456789"), e.getMessage());
    }
}
