package relay.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.Json;
import relay.core.catalog.ModelInfo.Mode;
import relay.core.wire.Usage;

class ModelCatalogTest {
    /** Relay's provider prefixes; the catalog names no other. */
    static final Set<String> RELAY_PROVIDERS = Set.of("openai", "text-completion-openai", "azure", "anthropic", "cohere",
            "replicate", "huggingface", "openrouter", "vertex_ai", "gemini", "bedrock", "groq", "mistral", "together_ai",
            "deepseek", "fireworks_ai", "perplexity", "ollama", "xai", "deepinfra", "cerebras", "sambanova", "nvidia_nim");

    static ModelCatalog catalog;

    @BeforeAll
    static void load() {
        catalog = ModelCatalog.load();
    }

    static ModelInfo get(String name) {
        return catalog.find(name).orElseThrow(() -> new AssertionError(name + " is not in the catalog"));
    }

    @Test
    void catalog_holdsAtLeastFiftyModels_inEveryMode() {
        assertTrue(catalog.size() >= 50, "size " + catalog.size());
        assertEquals(catalog.size(), catalog.all().size());
        assertEquals(EnumSet.allOf(Mode.class), catalog.all().stream().map(ModelInfo::mode)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Mode.class))));
    }

    @Test
    void all_isSortedByName_andUnmodifiable() {
        List<String> names = catalog.all().stream().map(ModelInfo::name).toList();
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(null);
        assertEquals(sorted, names);
        assertThrows(UnsupportedOperationException.class, () -> catalog.all().clear());
    }

    @Test
    void everyEntry_namesAProviderRelayServes_andAProviderModelWithoutThePrefix() {
        for (ModelInfo m : catalog.all()) {
            assertTrue(RELAY_PROVIDERS.contains(m.provider()), m.name() + ": " + m.provider());
            assertFalse(m.providerModel().isBlank(), m.name());
            if (m.name().startsWith(m.provider() + "/")) { // stripped once: openrouter/openrouter/auto -> openrouter/auto
                assertTrue(m.name().endsWith("/" + m.providerModel()), m.name() + " -> " + m.providerModel());
            }
            if (m.provider().equals("bedrock")) { // no region or commitment scope left in a Bedrock model id
                assertFalse(m.providerModel().contains("/"), m.name() + " -> " + m.providerModel());
            }
        }
    }

    @Test
    void everyEntry_isFoundByItsOwnName() {
        for (ModelInfo m : catalog.all()) {
            assertEquals(m, catalog.find(m.name()).orElseThrow(), m.name());
        }
    }

    @ParameterizedTest(name = "{0} -> {1}/{2}")
    @CsvSource({
            // exact keys
            "gpt-4o,                             openai,                 gpt-4o",
            "gpt-4,                              openai,                 gpt-4",
            "gpt-4-0613,                         openai,                 gpt-4-0613",
            "gpt-3.5-turbo-instruct,             text-completion-openai, gpt-3.5-turbo-instruct",
            "claude-sonnet-4-5,                  anthropic,              claude-sonnet-4-5",
            "gemini-2.5-pro,                     vertex_ai,              gemini-2.5-pro",
            "gemini/gemini-2.5-pro,              gemini,                 gemini-2.5-pro",
            "command-r,                          cohere,                 command-r",
            "command,                            cohere,                 command",
            "command-nightly,                    cohere,                 command-nightly",
            "replicate/meta/llama-2-70b-chat,    replicate,              meta/llama-2-70b-chat",
            "openrouter/anthropic/claude-3-haiku, openrouter,            anthropic/claude-3-haiku",
            "anthropic.claude-sonnet-4-5-20250929-v1:0, bedrock,         anthropic.claude-sonnet-4-5-20250929-v1:0",
            "vertex_ai/claude-3-5-haiku@20241022, vertex_ai,             claude-3-5-haiku@20241022",
            "mistral/mistral-large-latest,       mistral,                mistral-large-latest",
            "azure/gpt-35-turbo-instruct,        azure,                  gpt-35-turbo-instruct",
            // provider/model whose model is a key of that provider
            "openai/gpt-4o,                      openai,                 gpt-4o",
            "anthropic/claude-sonnet-4-5,        anthropic,              claude-sonnet-4-5",
            "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0, bedrock, anthropic.claude-sonnet-4-5-20250929-v1:0",
            "vertex_ai/gemini-2.5-pro,           vertex_ai,              gemini-2.5-pro",
            "cohere/command-r,                   cohere,                 command-r",
            "text-completion-openai/gpt-3.5-turbo-instruct, text-completion-openai, gpt-3.5-turbo-instruct",
            // a bare name that is no key: the one provider serving it, or the maker among several
            "grok-2,                             xai,                    grok-2",
            "llama-3.1-8b-instant,               groq,                   llama-3.1-8b-instant",
            "mistral-large-latest,               mistral,                mistral-large-latest",
    })
    void find_resolvesToTheProviderAndItsModelId(String name, String provider, String providerModel) {
        ModelInfo m = get(name);
        assertEquals(provider, m.provider(), name);
        assertEquals(providerModel, m.providerModel(), name);
        assertFalse(m.retired(), name);
    }

    @ParameterizedTest(name = "{0} -> {1}/{2}, retired")
    @CsvSource({
            "gpt-4-32k,                           openai,                 gpt-4-32k,                CHAT",
            "text-davinci-003,                    text-completion-openai, text-davinci-003,         COMPLETION",
            "claude-2,                            anthropic,              claude-2,                 CHAT",
            "claude-instant-1,                    anthropic,              claude-instant-1,         CHAT",
            "chat-bison,                          vertex_ai,              chat-bison,               CHAT",
            "chat-bison@001,                      vertex_ai,              chat-bison@001,           CHAT",
            "openrouter/google/palm-2-chat-bison, openrouter,             google/palm-2-chat-bison, CHAT",
            "openai/gpt-4-32k,                    openai,                 gpt-4-32k,                CHAT",
            "anthropic/claude-2,                  anthropic,              claude-2,                 CHAT",
            "vertex_ai/chat-bison,                vertex_ai,              chat-bison,               CHAT",
    })
    void find_resolvesLegacyNames_toTheirProvider_markedRetired(String name, String provider, String providerModel, Mode mode) {
        ModelInfo m = get(name);
        assertEquals(provider, m.provider(), name);
        assertEquals(providerModel, m.providerModel(), name);
        assertEquals(mode, m.mode(), name);
        assertTrue(m.retired(), name);
    }

    @Test
    void legacyEntries_carryTheirHistoricalPricesAndContext() {
        ModelInfo gpt432k = get("gpt-4-32k");
        assertEquals(32768, gpt432k.maxInputTokens());
        assertEquals(0, new BigDecimal("0.00006").compareTo(gpt432k.inputCostPerToken()));
        assertEquals(0, new BigDecimal("0.00012").compareTo(gpt432k.outputCostPerToken()));
        ModelInfo claude2 = get("claude-2");
        assertEquals(100000, claude2.maxInputTokens());
        assertEquals(new BigDecimal("0.032"), claude2.cost(1000, 1000)); // 8e-06 + 2.4e-05 per token
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"no-such-model", "gpt-4o ", "GPT-4O", "openai/unknown-model", "anthropic/unknown-model",
            "bedrock/unknown-model", "unknown-provider/gpt-4o", "openai/", "/gpt-4o",
            // another provider's model id is not substituted: anthropic does not serve openrouter's id
            "anthropic/claude-3-haiku-openrouter", "anthropic/anthropic/claude-3-haiku", "openai/claude-sonnet-4-5",
            // several providers serve it, none is its maker: no guessing
            "gpt-oss-120b", "meta-llama/Llama-3.3-70B-Instruct-Turbo"})
    void find_unknownOrAmbiguousName_isEmpty(String name) {
        assertTrue(catalog.find(name).isEmpty(), () -> name + " -> " + catalog.find(name));
    }

    @Test
    void regionalPriceKeys_resolveExactly_butProviderModelNamesPreferTheUnscopedEntry() {
        ModelInfo regional = get("bedrock/us-gov-west-1/anthropic.claude-sonnet-4-5-20250929-v1:0");
        assertEquals("bedrock", regional.provider());
        assertEquals("anthropic.claude-sonnet-4-5-20250929-v1:0", regional.providerModel());
        assertEquals(new BigDecimal("3.6e-06"), regional.inputCostPerToken());

        ModelInfo plain = get("bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0");
        assertEquals("anthropic.claude-sonnet-4-5-20250929-v1:0", plain.name());
        assertEquals(new BigDecimal("3e-06"), plain.inputCostPerToken());

        assertEquals("gpt-4o-2024-08-06", get("azure/eu/gpt-4o-2024-08-06").providerModel());
    }

    @Test
    void pricesAndContextWindows_matchTheSourcePriceList() {
        ModelInfo gpt4o = get("gpt-4o");
        assertEquals(Mode.CHAT, gpt4o.mode());
        assertEquals(128000, gpt4o.maxInputTokens());
        assertEquals(16384, gpt4o.maxOutputTokens());
        assertEquals(new BigDecimal("2.5e-06"), gpt4o.inputCostPerToken());
        assertEquals(new BigDecimal("1e-05"), gpt4o.outputCostPerToken());
        assertTrue(gpt4o.supportsTools() && gpt4o.supportsVision() && gpt4o.supportsJsonSchema());

        ModelInfo sonnet = get("claude-sonnet-4-5");
        assertEquals(200000, sonnet.maxInputTokens());
        assertEquals(64000, sonnet.maxOutputTokens());
        assertEquals(new BigDecimal("3e-06"), sonnet.inputCostPerToken());
        assertEquals(new BigDecimal("1.5e-05"), sonnet.outputCostPerToken());

        ModelInfo gemini = get("gemini/gemini-2.5-pro");
        assertEquals(1048576, gemini.maxInputTokens());
        assertEquals(65535, gemini.maxOutputTokens());
        assertEquals(new BigDecimal("1.25e-06"), gemini.inputCostPerToken());

        ModelInfo commandR = get("command-r");
        assertEquals(128000, commandR.maxInputTokens());
        assertEquals(4096, commandR.maxOutputTokens());
        assertEquals(new BigDecimal("1.5e-07"), commandR.inputCostPerToken());
        assertEquals(new BigDecimal("6e-07"), commandR.outputCostPerToken());
        assertTrue(commandR.supportsTools());
        assertFalse(commandR.supportsVision());

        ModelInfo command = get("command");
        assertEquals(Mode.COMPLETION, command.mode());
        assertEquals(new BigDecimal("1e-06"), command.inputCostPerToken());

        ModelInfo embedding = get("text-embedding-3-small");
        assertEquals(Mode.EMBEDDING, embedding.mode());
        assertEquals(8191, embedding.maxInputTokens());
        assertNull(embedding.maxOutputTokens());
        assertEquals(new BigDecimal("2e-08"), embedding.inputCostPerToken());

        ModelInfo grok = get("xai/grok-4-fast-reasoning"); // 2000000.0 in the source: an integral float
        assertEquals(2000000, grok.maxInputTokens());
    }

    @Test
    void cost_isExact() {
        assertEquals(new BigDecimal("0.0075"), get("gpt-4o").cost(1000, 500)); // 1000 * 2.5e-06 + 500 * 1e-05
        assertEquals(new BigDecimal("0.0075"), get("gpt-4o").cost(Usage.of(1000, 500)));
        assertEquals(new BigDecimal("0.000025"), get("gpt-4o").cost(2, 2)); // 0.000005 + 0.00002, no float error
        assertEquals(new BigDecimal("0.0000325"), get("gpt-4o").cost(1, 3)); // doubles give 3.2500000000000004e-05
        assertEquals(new BigDecimal("0.0000002"), get("text-embedding-3-small").cost(10, 0));
        assertEquals(BigDecimal.ZERO, get("gpt-4o").cost(0, 0));
    }

    /** The catalog's gpt-4o: input 2.5e-06, cache read 1.25e-06, output 1e-05 (reasoning tokens are output). */
    @Test
    void cost_pricesCachedPromptTokensAtTheCacheReadPrice_andReasoningAsOutput() {
        Usage usage = new Usage(1200, 50, 1250).withDetails(1024, 32);
        ModelInfo gpt4o = get("gpt-4o");
        assertEquals(new BigDecimal("1.25e-06"), gpt4o.cacheReadCostPerToken());

        // 176 * 2.5e-06 + 1024 * 1.25e-06 + 50 * 1e-05
        assertEquals(new BigDecimal("0.00222"), gpt4o.cost(usage));
        assertEquals(new BigDecimal("0.0035"), gpt4o.cost(1200, 50), "without the details every prompt token is full price");
        assertEquals(gpt4o.cost(Usage.of(1200, 50)), gpt4o.cost(Usage.of(1200, 50).withDetails(null, 32)),
                "reasoning tokens are inside completion_tokens: never charged twice");
    }

    /** The catalog's claude-sonnet-4-5: input 3e-06, cache read 3e-07, cache write 3.75e-06, output 1.5e-05. */
    @Test
    void cost_pricesAnthropicCacheWritesAtTheCacheCreationPrice() {
        ModelInfo claude = get("claude-sonnet-4-5");
        Usage usage = Usage.of(100 + 1000 + 2000, 10).withDetails(1000, null).withCacheCreation(2000);

        // 100 * 3e-06 + 1000 * 3e-07 + 2000 * 3.75e-06 + 10 * 1.5e-05
        assertEquals(new BigDecimal("0.00825"), claude.cost(usage));
    }

    @Test
    void cost_withoutACacheReadPrice_chargesCachedTokensAsInput_andNeverMoreTokensThanThePromptHas() {
        ModelInfo noCachePrice = new ModelInfo("m", "p", "m", Mode.CHAT, null, null, new BigDecimal("1e-06"), new BigDecimal("2e-06"),
                false, false, false, false);
        assertEquals(new BigDecimal("0.001"), noCachePrice.cost(Usage.of(1000, 0).withDetails(600, null)));
        ModelInfo gpt4o = get("gpt-4o");
        assertEquals(gpt4o.cost(Usage.of(100, 0).withDetails(100, null)), gpt4o.cost(Usage.of(100, 0).withDetails(5000, null)),
                "a cached count above the prompt is the prompt");
    }

    @Test
    void supportsReasoning_comesFromThePriceList() {
        assertTrue(get("o3-mini").supportsReasoning());
        assertTrue(get("claude-sonnet-4-5").supportsReasoning());
        assertTrue(get("gemini/gemini-2.5-pro").supportsReasoning());
        assertFalse(get("gpt-4o").supportsReasoning());
        assertFalse(get("gpt-4.1").supportsReasoning());
    }

    @Test
    void cost_withAnUnknownPriceItNeeds_isNull() {
        ModelInfo unpriced = new ModelInfo("m", "p", "m", Mode.EMBEDDING, null, null, new BigDecimal("1e-07"), null,
                false, false, false, false);
        assertEquals(new BigDecimal("0.0001"), unpriced.cost(1000, 0)); // no output price needed
        assertNull(unpriced.cost(1000, 1));
        assertNull(new ModelInfo("m", "p", "m", Mode.CHAT, null, null, null, null, false, false, false, false).cost(1, 0));
        assertNull(get("gpt-4o").cost((Usage) null));
        assertThrows(IllegalArgumentException.class, () -> get("gpt-4o").cost(-1, 0));
    }

    @Test
    void deprecationDate_comesFromThePriceList() {
        assertEquals(LocalDate.of(2025, 6, 6), catalog.deprecationDate("gpt-4-0613").orElseThrow());
        assertEquals(LocalDate.of(2025, 6, 6), catalog.deprecationDate("openai/gpt-4-0613").orElseThrow());
        assertTrue(catalog.deprecationDate("gpt-4o").isEmpty());
        assertTrue(catalog.deprecationDate("no-such-model").isEmpty());
    }

    @Test
    void resources_parseAsJsonObjects_ofWellFormedEntries() throws Exception {
        JsonNode models = tree(ModelCatalog.MODELS);
        JsonNode legacy = tree(ModelCatalog.LEGACY);
        assertTrue(models.isObject() && models.size() >= 50);
        models.properties().forEach(e -> {
            JsonNode m = e.getValue();
            assertTrue(m.path("provider").isTextual() && m.path("provider_model").isTextual() && m.path("mode").isTextual(),
                    e.getKey());
            assertFalse(m.has("retired"), e.getKey());
        });
        int legacyEntries = 0;
        for (var e : (Iterable<java.util.Map.Entry<String, JsonNode>>) legacy.properties()::iterator) {
            if (e.getKey().startsWith("_")) continue;
            legacyEntries++;
            assertTrue(e.getValue().path("retired").asBoolean(), e.getKey() + " is retired");
            assertFalse(models.has(e.getKey()), e.getKey() + " is in the price list again: remove it from legacy-models.json");
        }
        assertEquals(7, legacyEntries);
        assertEquals(models.size() + legacyEntries, catalog.size());
    }

    @Test
    void modelsJson_staysSmall() throws Exception {
        try (InputStream in = ModelCatalog.class.getResourceAsStream(ModelCatalog.MODELS)) {
            assertTrue(in.readAllBytes().length < 1_000_000);
        }
    }

    static JsonNode tree(String resource) throws Exception {
        try (InputStream in = ModelCatalog.class.getResourceAsStream(resource)) {
            return Json.MAPPER.readTree(in);
        }
    }
}
