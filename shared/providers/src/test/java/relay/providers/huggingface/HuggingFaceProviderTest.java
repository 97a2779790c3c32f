package relay.providers.huggingface;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Deployment;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.RequestParser;
import relay.providers.Providers;
import relay.testing.FakeHuggingFace;
import relay.testing.FakeHuggingFace.Reply;
import relay.testing.FakeOpenAi;

/** The Hugging Face adapter against a loopback server standing in for the router, an endpoint and TEI. */
class HuggingFaceProviderTest {
    static final String KEY = "hf_test_key_0123456789abcdef";
    static final Duration TIMEOUT = Duration.ofSeconds(30); // no loopback answer comes near it, however loaded the machine
    static final String CHAT = "{\"model\":\"my-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}],\"temperature\":0.2}";

    static FakeHuggingFace upstream;
    static HttpClient http;
    HuggingFaceProvider hf;

    @BeforeAll
    static void start() {
        upstream = FakeHuggingFace.start();
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
        hf = new HuggingFaceProvider(http, upstream.rootUrl()); // the fake stands in for router.huggingface.co
    }

    static ProviderCall<ChatCompletionRequest> chatCall(String model, String apiBase, String json) {
        ChatCompletionRequest request = Golden.parse(json);
        return new ProviderCall<>(new Deployment("my-llama", "huggingface", model, apiBase, null, TIMEOUT), request, KEY, TIMEOUT);
    }

    static ProviderCall<EmbeddingRequest> embedCall(String model, String apiBase, String json) {
        EmbeddingRequest request = RequestParser.embedding(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
        return new ProviderCall<>(new Deployment("emb", "huggingface", model, apiBase, null, TIMEOUT), request, KEY, TIMEOUT);
    }

    static RelayException assertFails(ErrorKind kind, Executable call) {
        RelayException e = assertThrows(RelayException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("huggingface"), "names the provider: " + e.getMessage());
        assertFalse(e.getMessage().contains(KEY), "leaks the key: " + e.getMessage());
        return e;
    }

    @Test
    void chat_goesToTheRoutersOpenAiApi_withTheClientsBody() {
        ChatCompletionResponse response = hf.chat(chatCall("meta-llama/Llama-3.1-8B-Instruct", null, CHAT));

        var sent = upstream.lastRequest();
        assertEquals("/v1/chat/completions", sent.path());
        assertEquals("Bearer " + KEY, sent.headers().get("authorization"));
        assertEquals("meta-llama/Llama-3.1-8B-Instruct", sent.json().get("model").asText());
        assertEquals(0.2, sent.json().get("temperature").asDouble());
        assertEquals("Echo: one two three", response.choices().get(0).message().text());
        assertEquals(15, response.usage().totalTokens());
    }

    @Test
    void chat_withAnInferenceProviderPrefix_asksTheRouterForThatProvider() {
        hf.chat(chatCall("together/deepseek-ai/DeepSeek-R1", null, CHAT));

        assertEquals("deepseek-ai/DeepSeek-R1:together", upstream.lastRequest().json().get("model").asText());
    }

    @Test
    void chat_toAnEndpointGivenByItsHost_usesTgisMessagesApi() {
        hf.chat(chatCall("tgi", upstream.rootUrl(), CHAT));

        assertEquals("/v1/chat/completions", upstream.lastRequest().path());
        assertEquals("tgi", upstream.lastRequest().json().get("model").asText());
    }

    @Test
    void chat_withTools_returnsTheToolCall() {
        ChatCompletionResponse response = hf.chat(chatCall("meta-llama/Llama-3.1-8B-Instruct", null,
                "{\"model\":\"my-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}],"
                        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\"}}]}"));

        assertEquals("tool_calls", response.choices().get(0).finishReason());
        assertEquals("weather", response.choices().get(0).message().toolCalls().get(0).function().name());
    }

    @Test
    void stream_passesOpenAiChunksThrough_withUsageAtTheEnd() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        hf.streamChat(chatCall("meta-llama/Llama-3.1-8B-Instruct", null, CHAT), chunks::add);

        assertTrue(upstream.lastRequest().json().get("stream").asBoolean());
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(ch -> { if (ch.delta().content() != null) text.append(ch.delta().text()); }));
        assertEquals("Echo: one two three", text.toString());
        assertEquals(15, chunks.get(chunks.size() - 1).usage().totalTokens());
    }

    @Test
    void errors_areHuggingFacesWords_underThisProvidersName() {
        upstream.enqueue(new Reply.Status(503, "{\"error\":\"Model meta-llama/Llama-3.1-8B-Instruct is currently loading\",\"estimated_time\":20.0}"));

        RelayException e = assertFails(ErrorKind.PROVIDER_UNAVAILABLE, () -> hf.chat(chatCall("meta-llama/Llama-3.1-8B-Instruct", null, CHAT)));

        assertTrue(e.getMessage().contains("currently loading"), e.getMessage());
    }

    @Test
    void chatPassesThrough_soEveryParameterIsTheHostsToJudge() {
        assertNull(hf.supportedChatParams());
    }

    // ---- embeddings ----

    @Test
    void embed_usesTheRoutersFeatureExtractionPipeline() {
        EmbeddingResult result = hf.embed(embedCall("BAAI/bge-small-en-v1.5", null, "{\"model\":\"emb\",\"input\":[\"hello\",\"hi\"]}"));

        var sent = upstream.lastRequest();
        assertEquals("/hf-inference/models/BAAI/bge-small-en-v1.5/pipeline/feature-extraction", sent.path());
        assertEquals("Bearer " + KEY, sent.headers().get("authorization"));
        assertEquals("[\"hello\",\"hi\"]", sent.json().get("inputs").toString());
        assertArrayEquals(FakeOpenAi.vectorFor("hello"), result.vectors().get(0));
        assertArrayEquals(FakeOpenAi.vectorFor("hi"), result.vectors().get(1));
        assertEquals(3, result.promptTokens(), "estimated (2 + 1): Hugging Face reports no token counts");
    }

    @Test
    void embed_withAnApiBase_postsToThatUrlItself_asTeiServesEmbed() {
        hf.embed(embedCall("bge", upstream.rootUrl() + "/embed", "{\"model\":\"emb\",\"input\":\"hello\"}"));

        assertEquals("/embed", upstream.lastRequest().path());
        assertEquals("[\"hello\"]", upstream.lastRequest().json().get("inputs").toString());
    }

    @Test
    void embed_ofATokenLevelModel_isAProviderError() {
        upstream.enqueue(new Reply.TokenFeatures());

        assertFails(ErrorKind.PROVIDER_ERROR, () -> hf.embed(embedCall("bert-base-uncased", null, "{\"model\":\"emb\",\"input\":\"hello\"}")));
    }

    @Test
    void embed_withDimensions_isRefusedNamingTheParameter() {
        RelayException e = assertThrows(RelayException.class,
                () -> hf.embed(embedCall("bge", null, "{\"model\":\"emb\",\"input\":\"hello\",\"dimensions\":64}")));

        assertEquals("dimensions", e.param());
        assertTrue(upstream.requests().isEmpty());
    }
}
