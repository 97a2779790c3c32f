package relay.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.core.catalog.ModelCatalog;
import relay.core.config.RelayConfig;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.ModelRouter;
import relay.core.provider.Provider;
import relay.core.provider.RequestSigner;

/**
 * No client can make Relay call a service on its own machine by naming a model: {@code ollama/x} and
 * {@code lm_studio/x} (default address localhost) and {@code hosted_vllm/x} (no default address) reach nothing
 * unless a model_list entry gives them an address.
 */
class NameAloneReachTest {
    static HttpClient http;
    static List<Provider> providers;

    @BeforeAll
    static void start() {
        http = Providers.httpClient();
        providers = Providers.all(http, Clock.systemUTC(), RequestSigner.NONE);
    }

    @AfterAll
    static void stop() {
        http.shutdownNow();
    }

    @Test
    void providersWithALocalOrNoDefaultAddress_areNotReachableWithoutConfig_theOthersAre() {
        Map<String, Boolean> reachable = providers.stream().collect(Collectors.toMap(Provider::name, Provider::reachableWithoutConfig));

        for (String local : List.of("ollama", "lm_studio", "hosted_vllm", "azure")) {
            assertEquals(false, reachable.get(local), local);
        }
        for (String remote : List.of("openai", "groq", "mistral", "anthropic", "gemini", "vertex_ai", "bedrock", "cohere",
                "replicate", "huggingface", "openrouter", "text-completion-openai", "mock")) {
            assertEquals(true, reachable.get(remote), remote);
        }
    }

    @Test
    void aBareOrCatalogNameOfALocalProvider_is404_whileItsModelListEntryIsServed() {
        ModelRouter router = new ModelRouter(RelayConfig.parse("""
                model_list:
                  - model_name: team-llama
                    litellm_params: {model: ollama/llama3, api_base: http://gpu-box.internal:11434/v1}
                """), providers, Duration.ofSeconds(5), ModelCatalog.load());

        for (String name : List.of("ollama/llama3", "ollama/x", "lm_studio/x", "hosted_vllm/x")) {
            RelayException e = assertThrows(RelayException.class, () -> router.route(name), name);
            assertEquals(ErrorKind.MODEL_NOT_FOUND, e.kind(), name);
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
        assertEquals("http://gpu-box.internal:11434/v1", router.route("team-llama").get(0).apiBase());
        assertTrue(router.models().stream().noneMatch(m -> m.ownedBy().equals("ollama") && !m.id().equals("team-llama")));
    }
}
