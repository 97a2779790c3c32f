package relay.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import relay.core.catalog.ModelCatalog;
import relay.core.config.RelayConfig;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;

class ModelRouterTest {
    static final ModelCatalog CATALOG = ModelCatalog.load();
    static final Set<String> PROVIDERS = Set.of("openai", "text-completion-openai", "anthropic", "cohere", "replicate",
            "openrouter", "vertex_ai", "gemini", "mock");

    static Provider named(String name) {
        return new Provider() {
            public String name() { return name; }
            public String defaultKeyName() { return name.toUpperCase() + "_API_KEY"; }
            public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) { throw new UnsupportedOperationException(); }
            public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
                throw new UnsupportedOperationException();
            }
        };
    }

    final ModelRouter router = new ModelRouter(RelayConfig.parse("""
            model_list:
              - model_name: gpt-4o
                litellm_params: {model: mock/configured-wins}
            """), PROVIDERS.stream().map(ModelRouterTest::named).toList(), Duration.ofSeconds(5), CATALOG);

    @ParameterizedTest(name = "{0} -> {1}/{2}")
    @CsvSource({
            "gpt-4, openai, gpt-4",
            "gpt-4-0613, openai, gpt-4-0613",
            "gpt-4-32k, openai, gpt-4-32k",
            "text-davinci-003, text-completion-openai, text-davinci-003",
            "claude-sonnet-4-5, anthropic, claude-sonnet-4-5",
            "claude-2, anthropic, claude-2",
            "claude-instant-1, anthropic, claude-instant-1",
            "command-r, cohere, command-r",
            "command, cohere, command",
            "command-nightly, cohere, command-nightly",
            "gemini-2.5-pro, vertex_ai, gemini-2.5-pro",
            "chat-bison, vertex_ai, chat-bison",
            "chat-bison@001, vertex_ai, chat-bison@001",
            "replicate/meta/llama-2-70b-chat, replicate, meta/llama-2-70b-chat",
            "openrouter/google/palm-2-chat-bison, openrouter, google/palm-2-chat-bison"})
    void bareAndLegacyNames_routeToTheirProvider_withoutConfig(String model, String provider, String providerModel) {
        Deployment deployment = router.route(model).get(0);

        assertEquals(provider, deployment.provider());
        assertEquals(providerModel, deployment.providerModel());
        assertEquals(null, deployment.apiKey(), "the provider's default key from the key store");
    }

    @Test
    void configuredGroup_winsOverTheCatalog() {
        assertEquals("mock/configured-wins", router.route("gpt-4o").get(0).id());
    }

    @Test
    void unknownNames_are404() {
        RelayException e = assertThrows(RelayException.class, () -> router.route("no-such-model-anywhere"));
        assertEquals(ErrorKind.MODEL_NOT_FOUND, e.kind());
    }

    @Test
    void models_listConfiguredGroupsFirst_thenAtLeast50CatalogModels() {
        List<String> ids = router.models().stream().map(m -> m.id()).toList();

        assertEquals("gpt-4o", ids.get(0));
        assertTrue(ids.size() > 50, "catalog models listed: " + ids.size());
        assertTrue(ids.contains("claude-sonnet-4-5") && ids.contains("command-r"));
        assertEquals(ids.size(), Set.copyOf(ids).size(), "no duplicates");
    }

    // ---- who may reach what by a name alone ----

    /** A provider whose default address is this machine (as Ollama's localhost:11434). */
    static Provider local(String name) {
        Provider plain = named(name);
        return new Provider() {
            public String name() { return name; }
            public String defaultKeyName() { return null; }
            public boolean reachableWithoutConfig() { return false; }
            public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) { return plain.chat(call); }
            public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
                plain.streamChat(call, chunks);
            }
        };
    }

    static ModelRouter withLocal(String yaml) {
        List<Provider> providers = new java.util.ArrayList<>(PROVIDERS.stream().map(ModelRouterTest::named).toList());
        providers.add(local("ollama"));
        return new ModelRouter(RelayConfig.parse(yaml), providers, Duration.ofSeconds(5), CATALOG);
    }

    static void assertNotServed(ModelRouter router, String model, String because) {
        RelayException e = assertThrows(RelayException.class, () -> router.route(model), model);
        assertEquals(ErrorKind.MODEL_NOT_FOUND, e.kind());
        assertEquals("model", e.param());
        assertTrue(e.getMessage().contains("'" + model + "'") && e.getMessage().contains(because), e.getMessage());
    }

    @Test
    void aProviderAtThisMachinesAddress_isNeverReachedByANameAlone_onlyThroughItsModelListEntry() {
        ModelRouter router = withLocal("""
                model_list:
                  - model_name: my-llama
                    litellm_params: {model: ollama/llama3, api_base: http://gpu-box:11434/v1}
                """);

        assertNotServed(router, "ollama/llama3", "model_list");
        assertNotServed(router, "ollama/anything", "model_list");
        Deployment configured = router.route("my-llama").get(0);
        assertEquals("ollama/llama3", configured.id());
        assertEquals("http://gpu-box:11434/v1", configured.apiBase());
        assertTrue(CATALOG.all().stream().anyMatch(m -> m.provider().equals("ollama")), "the catalog knows ollama models");
        assertTrue(router.models().stream().noneMatch(m -> "ollama".equals(m.ownedBy()) && !m.id().equals("my-llama")),
                "no catalog model of a local provider is listed");
    }

    @Test
    void allowedModelGroupsOnly_servesTheConfiguredGroupsAndNothingElse() {
        ModelRouter router = withLocal("""
                model_list:
                  - model_name: gpt-4o
                    litellm_params: {model: openai/gpt-4o}
                general_settings: {allowed_model_groups_only: true}
                """);

        assertEquals("openai/gpt-4o", router.route("gpt-4o").get(0).id());
        assertNotServed(router, "claude-sonnet-4-5", "allowed_model_groups_only");
        assertNotServed(router, "openai/gpt-4o-mini", "allowed_model_groups_only");
        assertNotServed(router, "mock/x", "allowed_model_groups_only");
        assertEquals(List.of("gpt-4o"), router.models().stream().map(m -> m.id()).toList());
    }

    @Test
    void catalogProviders_limitWhichProvidersANameAloneReaches() {
        ModelRouter router = withLocal("""
                general_settings: {catalog_providers: [openai]}
                """);

        assertEquals("openai/gpt-4", router.route("gpt-4").get(0).id());
        assertEquals("openai/gpt-x", router.route("openai/gpt-x").get(0).id());
        assertNotServed(router, "claude-sonnet-4-5", "catalog_providers");
        assertNotServed(router, "anthropic/claude-sonnet-4-5", "catalog_providers");
        assertTrue(router.models().stream().allMatch(m -> m.ownedBy().equals("openai")), "only openai's catalog models are listed");
    }

    @Test
    void catalogProviders_mustNameKnownProviders() {
        var e = assertThrows(relay.core.config.ConfigException.class, () -> withLocal("general_settings: {catalog_providers: [opneai]}"));
        assertTrue(e.getMessage().contains("opneai"), e.getMessage());
    }
}
