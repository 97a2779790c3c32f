package relay.providers.azure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.providers.compatible.Golden.CLOCK;
import static relay.providers.compatible.Golden.KEY;
import static relay.providers.compatible.Golden.assertFails;
import static relay.providers.compatible.Golden.assertJson;
import static relay.providers.compatible.Golden.assertJsonLines;
import static relay.providers.compatible.Golden.chatCall;
import static relay.providers.compatible.Golden.deployment;
import static relay.providers.compatible.Golden.embedCall;
import static relay.providers.compatible.Golden.json;
import static relay.providers.compatible.Golden.jsonLines;
import static relay.providers.compatible.Golden.lines;
import static relay.providers.compatible.Golden.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Deployment;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.providers.Providers;
import relay.testing.FakeOpenAiCompatible;
import relay.testing.FakeOpenAiCompatible.Reply;

/** Azure OpenAI against a loopback server standing in for https://{resource}.openai.azure.com. */
class AzureProviderTest {
    static final String CHAT = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"one two\"}],\"temperature\":0.2,"
            + "\"x_vendor\":1,\"metadata\":{\"team\":\"a\"}}";

    static FakeOpenAiCompatible upstream;
    static HttpClient http;
    final AzureProvider azure = new AzureProvider(http, CLOCK);

    @BeforeAll
    static void start() {
        upstream = FakeOpenAiCompatible.start();
        http = Providers.httpClient();
    }

    @AfterAll
    static void stop() {
        http.shutdownNow();
        upstream.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    static ProviderCall<ChatCompletionRequest> call(String apiBase, Map<String, String> options, String json) {
        return chatCall(deployment("azure", "gpt4o-prod", apiBase, options), KEY, json);
    }

    static ProviderCall<ChatCompletionRequest> call(String json) {
        return call(upstream.origin(), Map.of(), json);
    }

    @Test
    void identity_isAzureWithAzureApiKey_andEveryParameter() {
        assertEquals("azure", azure.name());
        assertEquals("AZURE_API_KEY", azure.defaultKeyName());
        assertNull(azure.supportedChatParams());
    }

    @Test
    void chat_goesToTheDeploymentsPath_withTheDefaultApiVersion_andTheKeyAsApiKeyHeader() {
        azure.chat(call(CHAT));

        FakeOpenAiCompatible.Recorded sent = upstream.lastRequest();
        assertEquals("/openai/deployments/gpt4o-prod/chat/completions", sent.path());
        assertEquals("api-version=" + AzureUrls.DEFAULT_API_VERSION, sent.query());
        assertEquals(KEY, sent.headers().get("api-key"));
        assertNull(sent.headers().get("authorization"));
    }

    @Test
    void chat_sendsOpenAisBodyWithoutModel() {
        azure.chat(call(CHAT));

        JsonNode body = upstream.lastRequest().json();
        assertFalse(body.has("model"));
        assertFalse(body.has("metadata"));
        assertEquals(0.2, body.path("temperature").asDouble());
        assertEquals(1, body.path("x_vendor").asInt());
        assertEquals("one two", body.path("messages").get(0).path("content").asText());
    }

    @ParameterizedTest
    @CsvSource({
            "'',2025-01-01-preview,2025-01-01-preview",
            "?api-version=2024-06-01,'',2024-06-01",
            "/?api-version=2024-06-01,'',2024-06-01",
            "/openai?api-version=2024-06-01,2024-08-01-preview,2024-08-01-preview",
            "/,'',2024-10-21"})
    void apiVersion_comesFromTheDeployment_elseFromApiBase_elseTheDefault(String baseSuffix, String option, String expected) {
        Map<String, String> options = option.isEmpty() ? Map.of() : Map.of("api_version", option);

        azure.chat(call(upstream.origin() + baseSuffix, options, CHAT));

        assertEquals("/openai/deployments/gpt4o-prod/chat/completions", upstream.lastRequest().path());
        assertEquals("api-version=" + expected, upstream.lastRequest().query());
    }

    @Test
    void v1ApiBase_usesOpenAisPaths_withTheDeploymentAsModel_andNoVersion() {
        azure.chat(call(upstream.origin() + "/openai/v1", Map.of(), CHAT));

        assertEquals("/openai/v1/chat/completions", upstream.lastRequest().path());
        assertNull(upstream.lastRequest().query());
        assertEquals("gpt4o-prod", upstream.lastRequest().json().path("model").asText());
    }

    @ParameterizedTest
    @NullAndEmptySource
    void missingApiBase_is400NamingApiBase_andSendsNothing(String apiBase) {
        RelayException e = assertThrows(RelayException.class, () -> azure.chat(call(apiBase, Map.of(), CHAT)));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("api_base"), e.getMessage());
        assertTrue(e.getMessage().contains("azure/gpt4o-prod"), e.getMessage());
        assertTrue(upstream.requests().isEmpty());
    }

    @Test
    void answer_isTheGoldenResponse_withoutAzuresFilterResults() {
        upstream.enqueue(new Reply.Body(200, text("azure/azure-chat.json")));

        assertJson(json("azure/azure-chat.expected.json"), azure.chat(call(CHAT)));
    }

    @Test
    void answerStoppedByTheContentFilter_passesThroughWithFinishReasonContentFilter() {
        upstream.enqueue(new Reply.Body(200, text("azure/azure-filtered-answer.json")));

        ChatCompletionResponse response = azure.chat(call(CHAT));

        assertJson(json("azure/azure-filtered-answer.expected.json"), response);
        assertEquals("content_filter", response.choices().get(0).finishReason());
    }

    @Test
    void stream_isTheGoldenChunks_withoutThePromptFilterEvent() {
        upstream.enqueue(new Reply.Events(lines("azure/azure-stream.chunks.txt"), true));
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        azure.streamChat(call(CHAT), chunks::add);

        assertJsonLines(jsonLines("azure/azure-stream.expected-chunks.txt"), chunks);
        JsonNode sent = upstream.lastRequest().json();
        assertTrue(sent.path("stream_options").path("include_usage").asBoolean());
        assertFalse(sent.has("model"));
    }

    @Test
    void stream_fromTheFakesDefaultAnswer_concatenatesToTheText() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        azure.streamChat(call(CHAT), chunks::add);

        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(choice -> text.append(choice.delta().text())));
        assertEquals("Echo: one two", text.toString());
        assertEquals(15, chunks.get(chunks.size() - 1).usage().totalTokens());
    }

    @Test
    void embed_goesToTheDeploymentsEmbeddingsPath() {
        upstream.enqueue(new Reply.Body(200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":[0.5,-1.0]}],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":2,\"total_tokens\":2}}"));
        Deployment deployment = deployment("azure", "embed-prod", upstream.origin(), Map.of("api_version", "2024-06-01"));

        EmbeddingResult result = azure.embed(embedCall(deployment, "{\"model\":\"emb\",\"input\":\"hi\"}"));

        assertEquals("/openai/deployments/embed-prod/embeddings", upstream.lastRequest().path());
        assertEquals("api-version=2024-06-01", upstream.lastRequest().query());
        assertFalse(upstream.lastRequest().json().has("model"));
        assertArrayEquals(new float[] {0.5f, -1.0f}, result.vectors().get(0));
        assertEquals(2, result.promptTokens());
    }

    static Stream<Arguments> errorGoldens() {
        List<Arguments> cases = new ArrayList<>();
        for (JsonNode c : json("azure/errors.json")) cases.add(Arguments.of(c.path("case").asText(), c));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errorGoldens")
    void azureError_isMappedToItsKind(String name, JsonNode golden) {
        Map<String, String> headers = golden.has("retryAfter") ? Map.of("retry-after", golden.path("retryAfter").asText()) : Map.of();
        upstream.enqueue(new Reply.Body(golden.path("status").asInt(), golden.path("body").toString(), headers));

        RelayException e = assertFails(ErrorKind.valueOf(golden.path("kind").asText()), "azure", () -> azure.chat(call(CHAT)));

        if (golden.has("retryAfter")) assertEquals(golden.path("retryAfter").asText(), e.headers().get("retry-after"));
    }

    @Test
    void contentFilterError_inAStream_isContentPolicy() {
        upstream.enqueue(new Reply.Body(400, json("azure/errors.json").get(0).path("body").toString()));

        RelayException e = assertFails(ErrorKind.CONTENT_POLICY, "azure", () -> azure.streamChat(call(CHAT), c -> { }));

        assertTrue(e.getMessage().contains("content management policy"), e.getMessage());
    }

    // ---- AzureUrls ----

    @ParameterizedTest
    @CsvSource({
            "https://res.openai.azure.com,'',https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21",
            "https://res.openai.azure.com/,'',https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21",
            "https://res.openai.azure.com/openai/,'',https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21",
            "https://res.openai.azure.com?api-version=2024-02-01,'',https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-02-01",
            "https://res.openai.azure.com?x=1&api-version=2024-02-01,2025-04-01-preview,https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=2025-04-01-preview",
            "https://res.openai.azure.com/openai/v1/,'',https://res.openai.azure.com/openai/v1/chat/completions"})
    void url_forEachFormOfApiBase(String apiBase, String option, String expected) {
        assertEquals(expected, AzureUrls.url(AzureUrls.base(apiBase, "azure/d"), "d", option.isEmpty() ? null : option,
                "/chat/completions"));
    }

    /** Azure's Responses API: the v1 surface, unless the deployment names a preview version that has it. */
    @ParameterizedTest
    @CsvSource({
            "https://res.openai.azure.com,'',https://res.openai.azure.com/openai/v1/responses",
            "https://res.openai.azure.com/openai/,2024-10-21,https://res.openai.azure.com/openai/v1/responses",
            "https://res.openai.azure.com?api-version=2024-08-01-preview,'',https://res.openai.azure.com/openai/v1/responses",
            "https://res.openai.azure.com,2025-03-01-preview,https://res.openai.azure.com/openai/responses?api-version=2025-03-01-preview",
            "https://res.openai.azure.com?api-version=2025-04-01-preview,'',https://res.openai.azure.com/openai/responses?api-version=2025-04-01-preview",
            "https://res.openai.azure.com,preview,https://res.openai.azure.com/openai/responses?api-version=preview",
            "https://res.openai.azure.com/openai/v1/,'',https://res.openai.azure.com/openai/v1/responses"})
    void responsesUrl_forEachFormOfApiBaseAndVersion(String apiBase, String option, String expected) {
        assertEquals(expected, AzureUrls.responsesUrl(AzureUrls.base(apiBase, "azure/d"), option.isEmpty() ? null : option));
    }
}
