package relay.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import relay.core.provider.Deployment;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.provider.RequestSigner;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.RelayFields;
import relay.core.wire.RequestParser;
import relay.testing.FakeOpenAi;

/**
 * Relay's own request fields ({@code request_timeout}, {@code api_base}, {@code extra_headers} …) never reach a
 * provider, whichever provider passes the client's body through: checked on what a real loopback server received.
 */
class RelayFieldsUpstreamTest {
    static FakeOpenAi upstream;
    static HttpClient http;
    static List<Provider> providers;

    /** A value of the right shape for each Relay field, as a client would send it. */
    static String relayFields() {
        StringBuilder fields = new StringBuilder();
        for (String name : RelayFields.ALL.stream().sorted().toList()) {
            String value = switch (name) {
                case "fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "tags", "model_list",
                     "additional_drop_params", "allowed_openai_params" -> "[\"x\"]";
                case "metadata", "cache", "extra_headers", "headers", "context_window_fallback_dict", "retry_policy",
                     "litellm_metadata", "proxy_server_request", "model_info", "caching" -> "{\"x\":\"y\"}";
                case "timeout", "request_timeout", "stream_timeout", "force_timeout", "num_retries", "max_retries",
                     "cooldown_time", "ttl", "mock_timeout", "input_cost_per_token", "output_cost_per_token" -> "30";
                case "drop_params", "disable_fallbacks", "mock_testing_fallbacks", "no-log" -> "false";
                case "mock_response" -> "null"; // a real mock_response would answer without any provider
                default -> "\"http://169.254.169.254/x\"";
            };
            fields.append(",\"").append(name).append("\":").append(value);
        }
        return fields.toString();
    }

    @BeforeAll
    static void start() {
        upstream = FakeOpenAi.start();
        http = Providers.httpClient();
        providers = Providers.all(http, Clock.systemUTC(), RequestSigner.NONE);
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

    static void sent(Runnable call) {
        try {
            call.run();
        } catch (relay.core.error.RelayException answerNotUnderstood) {
            // the request went out; that is what is checked
        }
    }

    static Stream<Arguments> passThroughProviders() {
        return Stream.of(
                Arguments.of("openai", "/v1", Map.of()),
                Arguments.of("groq", "/v1", Map.of()),
                Arguments.of("ollama", "/v1", Map.of()),
                Arguments.of("hosted_vllm", "/v1", Map.of()),
                Arguments.of("openrouter", "/v1", Map.of()),
                Arguments.of("text-completion-openai", "/v1", Map.of()),
                Arguments.of("azure", "", Map.of("api_version", "2024-06-01")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("passThroughProviders")
    void noRelayFieldReachesTheProvider_chatStreamOrEmbeddings(String providerName, String basePath, Map<String, String> options) {
        Provider provider = providers.stream().filter(p -> p.name().equals(providerName)).findFirst().orElseThrow();
        Deployment deployment = new Deployment("g", providerName, "m-1", upstream.origin() + basePath, null,
                Duration.ofSeconds(10), options);
        String chat = "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.5" + relayFields() + "}";
        ChatCompletionRequest request = RequestParser.chat(RequestParser.parseObject(chat.getBytes(StandardCharsets.UTF_8)));

        // what was sent is the point: the fake's answer may not suit every provider (it has no /completions)
        sent(() -> provider.chat(new ProviderCall<>(deployment, request, "sk-upstream-key-0123456789", Duration.ofSeconds(10))));
        sent(() -> provider.streamChat(new ProviderCall<>(deployment, request, "sk-upstream-key-0123456789", Duration.ofSeconds(10)),
                chunk -> {}));
        if (!providerName.equals("text-completion-openai")) {
            String embed = "{\"model\":\"g\",\"input\":\"hi\"" + relayFields() + "}";
            EmbeddingRequest embedding = RequestParser.embedding(RequestParser.parseObject(embed.getBytes(StandardCharsets.UTF_8)));
            sent(() -> provider.embed(new ProviderCall<>(deployment, embedding, "sk-upstream-key-0123456789", Duration.ofSeconds(10))));
        }

        List<FakeOpenAi.Recorded> received = upstream.requests();
        assertEquals(providerName.equals("text-completion-openai") ? 2 : 3, received.size());
        for (FakeOpenAi.Recorded sent : received) {
            JsonNode body = sent.json();
            List<String> leaked = new ArrayList<>();
            body.fieldNames().forEachRemaining(name -> {
                if (RelayFields.ALL.contains(name)) leaked.add(name);
            });
            assertTrue(leaked.isEmpty(), providerName + " " + sent.path() + " received Relay's fields " + leaked + ": " + body);
            assertTrue(!sent.path().endsWith("/chat/completions") || body.path("temperature").asDouble() == 0.5,
                    "the client's own parameters still pass: " + body);
        }
    }
}
