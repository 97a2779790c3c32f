package relay.providers.compatible;

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
import static relay.providers.compatible.Golden.chat;
import static relay.providers.compatible.Golden.chatCall;
import static relay.providers.compatible.Golden.json;
import static relay.providers.compatible.Golden.jsonLines;
import static relay.providers.compatible.Golden.lines;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.ChatParams;
import relay.core.provider.Deployment;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.providers.Providers;
import relay.providers.openrouter.OpenRouterProvider;
import relay.testing.FakeOpenAiCompatible;
import relay.testing.FakeOpenAiCompatible.Reply;

/** The OpenAI-compatible hosts against a loopback server: what they send, and what their answers become. */
class CompatibleHostProviderTest {
    static final String HI = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"one two\"}]}";

    static FakeOpenAiCompatible upstream;
    static HttpClient http;

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

    static CompatibleHost host(String prefix) {
        return CompatibleHost.ALL.stream().filter(h -> h.prefix().equals(prefix)).findFirst().orElseThrow();
    }

    static Provider provider(String prefix) {
        return prefix.equals("openrouter") ? new OpenRouterProvider(http, null, null, CLOCK)
                : new CompatibleHostProvider(http, host(prefix), CLOCK);
    }

    static ProviderCall<ChatCompletionRequest> call(String prefix, String model, String json) {
        return chatCall(prefix, model, upstream.baseUrl(), json);
    }

    // ---- the table ----

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {
            "groq,https://api.groq.com/openai/v1,GROQ_API_KEY",
            "mistral,https://api.mistral.ai/v1,MISTRAL_API_KEY",
            "together_ai,https://api.together.xyz/v1,TOGETHERAI_API_KEY",
            "deepseek,https://api.deepseek.com/v1,DEEPSEEK_API_KEY",
            "fireworks_ai,https://api.fireworks.ai/inference/v1,FIREWORKS_AI_API_KEY",
            "perplexity,https://api.perplexity.ai,PERPLEXITYAI_API_KEY",
            "ollama,http://localhost:11434/v1,NULL",
            "xai,https://api.x.ai/v1,XAI_API_KEY",
            "anyscale,https://api.endpoints.anyscale.com/v1,ANYSCALE_API_KEY",
            "deepinfra,https://api.deepinfra.com/v1/openai,DEEPINFRA_API_KEY",
            "cerebras,https://api.cerebras.ai/v1,CEREBRAS_API_KEY",
            "sambanova,https://api.sambanova.ai/v1,SAMBANOVA_API_KEY",
            "nvidia_nim,https://integrate.api.nvidia.com/v1,NVIDIA_NIM_API_KEY",
            "lm_studio,http://localhost:1234/v1,NULL",
            "hosted_vllm,NULL,NULL"})
    void eachHost_hasLiteLLMsPrefixBaseUrlAndKeyName(String prefix, String apiBase, String keyName) {
        Provider provider = provider(prefix);

        assertEquals(prefix, provider.name());
        assertEquals(keyName, provider.defaultKeyName());
        assertEquals(apiBase, host(prefix).defaultApiBase());
    }

    @Test
    void hostPrefixesAreUnique() {
        assertEquals(CompatibleHost.ALL.size(), CompatibleHost.ALL.stream().map(CompatibleHost::prefix).distinct().count());
    }

    @ParameterizedTest
    @ValueSource(strings = {"together_ai", "deepseek", "anyscale", "lm_studio", "hosted_vllm"})
    void hostsWithoutKnownGaps_passEveryParameter(String prefix) {
        assertNull(provider(prefix).supportedChatParams());
    }

    @ParameterizedTest
    @CsvSource({
            "groq,logprobs", "groq,logit_bias", "groq,top_logprobs", "mistral,logit_bias", "mistral,logprobs",
            "perplexity,tools", "perplexity,stop", "cerebras,presence_penalty", "cerebras,parallel_tool_calls",
            "deepinfra,seed", "fireworks_ai,seed", "sambanova,n", "nvidia_nim,logprobs", "ollama,logit_bias", "xai,service_tier"})
    void knownGap_isTheGatewaysClear400_namingTheParameter(String prefix, String param) {
        Set<String> supported = provider(prefix).supportedChatParams();
        assertFalse(supported.contains(param));
        String value = switch (param) {
            case "logprobs" -> "true";
            case "tools" -> "[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";
            case "logit_bias" -> "{\"1\":1}";
            case "stop" -> "[\"x\"]";
            case "service_tier" -> "\"flex\"";
            case "n" -> "2";
            case "parallel_tool_calls" -> "false";
            default -> "1";
        };
        ChatCompletionRequest request = chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"" + param + "\":" + value + "}");

        RelayException e = assertThrows(RelayException.class, () -> ChatParams.fit(request, prefix, supported, false));

        assertEquals(400, e.kind().status());
        assertEquals(param, e.param());
        assertTrue(e.getMessage().contains(prefix), e.getMessage());
    }

    @Test
    void groqWithNOfOne_isNoGap() {
        ChatCompletionRequest request = chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":1}");

        assertEquals(request, ChatParams.fit(request, "groq", provider("groq").supportedChatParams(), false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"seed", "max_completion_tokens", "tools", "tool_choice", "functions", "function_call",
            "response_format", "temperature", "top_p", "stop", "n", "parallel_tool_calls"})
    void mistral_takesTheParametersItRenamesOrSupports(String param) {
        assertTrue(provider("mistral").supportedChatParams().contains(param), param);
    }

    // ---- requests ----

    static Stream<Arguments> requestGoldens() {
        return Stream.of("mistral-renames-seed-and-max-completion-tokens", "groq-legacy-functions-become-tools",
                "deepseek-passes-tools-images-and-history-through", "xai-renames-max-completion-tokens-and-drops-names",
                "openrouter-passes-its-own-fields-through").map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("requestGoldens")
    void request_isSentAsTheGoldenBody(String name) {
        JsonNode golden = json("compatible/requests/" + name + ".json");
        String prefix = golden.path("host").asText();

        provider(prefix).chat(call(prefix, golden.path("model").asText(), golden.path("request").toString()));

        FakeOpenAiCompatible.Recorded sent = upstream.lastRequest();
        assertEquals("POST", sent.method());
        assertEquals("/v1/chat/completions", sent.path());
        assertEquals("Bearer " + KEY, sent.headers().get("authorization"));
        assertJson(golden.path("sent"), sent.json());
    }

    @Test
    void hostWithoutAKey_sendsNoAuthorization() {
        new CompatibleHostProvider(http, host("ollama"), CLOCK).chat(chatCall(
                new Deployment("g", "ollama", "llama3.1", upstream.baseUrl(), null, Golden.TIMEOUT), null, HI));

        assertNull(upstream.lastRequest().headers().get("authorization"));
    }

    @Test
    void hostedVllmWithoutApiBase_is400NamingApiBase_andSendsNothing() {
        RelayException e = assertThrows(RelayException.class,
                () -> provider("hosted_vllm").chat(chatCall("hosted_vllm", "my-llama", null, HI)));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("api_base"), e.getMessage());
        assertTrue(e.getMessage().contains("hosted_vllm/my-llama"), e.getMessage());
        assertTrue(upstream.requests().isEmpty());
    }

    @Test
    void hostedVllmWithApiBase_isCalledThere() {
        ChatCompletionResponse response = provider("hosted_vllm").chat(call("hosted_vllm", "meta-llama/Llama-3.1-8B", HI));

        assertEquals("Echo: one two", response.choices().get(0).message().text());
        assertEquals("meta-llama/Llama-3.1-8B", upstream.lastRequest().json().path("model").asText());
    }

    @Test
    void embed_asksForTheHostsDefaultFloats_andReadsThem() {
        upstream.enqueue(new Reply.Body(200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":[0.25,0.5]}],\"model\":\"mistral-embed\",\"usage\":{\"prompt_tokens\":3,\"total_tokens\":3}}"));
        var deployment = Golden.deployment("mistral", "mistral-embed", upstream.baseUrl(), Map.of());

        var result = provider("mistral").embed(Golden.embedCall(deployment, "{\"model\":\"e\",\"input\":\"hi\",\"encoding_format\":\"base64\"}"));

        assertEquals("/v1/embeddings", upstream.lastRequest().path());
        assertFalse(upstream.lastRequest().json().has("encoding_format"));
        assertEquals("mistral-embed", upstream.lastRequest().json().path("model").asText());
        assertEquals(0.5f, result.vectors().get(0)[1]);
        assertEquals(3, result.promptTokens());
    }

    // ---- answers ----

    @ParameterizedTest
    @CsvSource({"groq,groq-tool-call", "mistral,mistral-tool-call", "deepseek,deepseek-tool-call", "xai,xai-text"})
    void recordedAnswer_fromTheHost_isTheGoldenResponse(String prefix, String fixture) {
        upstream.enqueue(new Reply.Body(200, Golden.text("compatible/fixtures/" + fixture + ".json")));

        ChatCompletionResponse response = provider(prefix).chat(call(prefix, "m", HI));

        assertJson(json("compatible/expected/" + fixture + ".json"), response);
    }

    @ParameterizedTest
    @CsvSource({"mistral,mistral-incremental-tool-call", "groq,groq-tool-call", "deepseek,deepseek-tool-call"})
    void recordedStream_fromTheHost_isTheGoldenChunks(String prefix, String fixture) {
        upstream.enqueue(new Reply.Events(lines("compatible/fixtures/" + fixture + ".chunks.txt"), true));
        List<ChatCompletionChunk> chunks = new CopyOnWriteArrayList<>();

        provider(prefix).streamChat(call(prefix, "m", HI), chunks::add);

        assertJsonLines(jsonLines("compatible/expected/" + fixture + ".chunks.txt"), chunks);
        JsonNode sent = upstream.lastRequest().json();
        assertTrue(sent.path("stream").asBoolean());
        assertTrue(sent.path("stream_options").path("include_usage").asBoolean());
    }

    @Test
    void streamWithoutDone_isProviderError_afterTheChunksThatArrived() {
        List<String> events = lines("compatible/fixtures/mistral-text.chunks.txt").subList(0, 3);
        upstream.enqueue(new Reply.Events(events, false));
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        RelayException e = assertFails(ErrorKind.PROVIDER_ERROR, "mistral",
                () -> provider("mistral").streamChat(call("mistral", "m", HI), chunks::add));

        assertTrue(e.getMessage().contains("[DONE]"), e.getMessage());
        assertEquals(3, chunks.size());
    }

    @Test
    void legacyFunctionsClient_getsFunctionCallBack_fromAToolCallingHost() {
        String legacy = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Paris\"}],"
                + "\"functions\":[{\"name\":\"weather\",\"parameters\":{\"type\":\"object\"}}]}";

        ChatCompletionResponse response = provider("groq").chat(call("groq", "llama", legacy));

        assertTrue(upstream.lastRequest().json().has("tools"));
        assertFalse(upstream.lastRequest().json().has("functions"));
        var message = response.choices().get(0).message();
        assertNull(message.toolCalls());
        assertEquals("weather", message.functionCall().name());
        assertEquals("{\"input\":\"Paris\"}", message.functionCall().arguments());
        assertEquals("function_call", response.choices().get(0).finishReason());
    }

    @Test
    void legacyFunctionsClient_streamsFunctionCallDeltas() {
        String legacy = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Paris\"}],"
                + "\"functions\":[{\"name\":\"weather\",\"parameters\":{\"type\":\"object\"}}]}";
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        provider("mistral").streamChat(call("mistral", "m", legacy), chunks::add);

        StringBuilder arguments = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(choice -> {
            if (choice.delta().functionCall() != null) arguments.append(choice.delta().functionCall().arguments());
        }));
        assertEquals("{\"input\":\"Paris\"}", arguments.toString());
    }

    // ---- errors ----

    static Stream<Arguments> errorGoldens() {
        List<Arguments> cases = new ArrayList<>();
        for (JsonNode c : json("compatible/errors.json")) cases.add(Arguments.of(c.path("case").asText(), c));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errorGoldens")
    void providerError_isMappedToItsKind(String name, JsonNode golden) {
        String prefix = golden.path("host").asText();
        String body = golden.has("bodyFile") ? Golden.text(golden.path("bodyFile").asText()) : golden.path("body").toString();
        upstream.enqueue(new Reply.Body(golden.path("status").asInt(), body, Map.of()));
        String provider = prefix.equals("openai-fixture") ? "together_ai" : prefix;

        assertFails(ErrorKind.valueOf(golden.path("kind").asText()), provider,
                () -> provider(provider).chat(call(provider, "m", HI)));
    }

    @Test
    void errorBodyWithStatus200_isAnError() {
        upstream.enqueue(new Reply.Body(200, "{\"error\":{\"message\":\"Provider returned error\",\"code\":502}}"));

        assertFails(ErrorKind.PROVIDER_ERROR, "deepseek", () -> provider("deepseek").chat(call("deepseek", "m", HI)));
    }

    @Test
    void keyInTheProvidersErrorMessage_isScrubbed() {
        upstream.enqueue(new Reply.Body(401, FakeOpenAiCompatible.errorBody("Invalid API Key: " + KEY, "invalid_request_error",
                "invalid_api_key")));

        assertFails(ErrorKind.AUTHENTICATION, "groq", () -> provider("groq").chat(call("groq", "m", HI)));
    }
}
