package relay.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelayConfigTest {
    /** A LiteLLM proxy config as LiteLLM's docs write them, including keys Relay does not use. */
    private static final String LITELLM_CONFIG = """
            # LiteLLM proxy config
            model_list:
              - model_name: gpt-4o
                litellm_params:
                  model: openai/gpt-4o
                  api_key: os.environ/OPENAI_API_KEY
                  rpm: 60
                  tpm: 100000
                  weight: 2
                  timeout: 30
                  stream_timeout: 60          # LiteLLM only
                  max_retries: 3              # LiteLLM only
                model_info:
                  id: "gpt-4o-primary"
                  mode: chat
                  input_cost_per_token: 0.0000025
              - model_name: gpt-4o
                litellm_params:
                  model: openai/gpt-4o-2024-08-06
                  api_base: https://proxy.example.com/v1/
                  api_key: sk-literal-key-in-config
                  api_version: "2024-06-01"
              - model_name: mock-gpt
                litellm_params: {model: mock/mock-gpt}
            router_settings:
              routing_strategy: simple-shuffle   # LiteLLM only
              redis_host: os.environ/REDIS_HOST  # LiteLLM only
              num_retries: 2
              timeout: 20.5
            litellm_settings:
              drop_params: True
              request_timeout: 600
              success_callback: ["langfuse"]     # LiteLLM only
              cache: true                        # LiteLLM only
              cache_params:
                type: redis
            general_settings:
              master_key: os.environ/RELAY_MASTER_KEY
              database_url: "postgresql://user:pass@host/db"   # LiteLLM only
              alerting: ["slack"]
            environment_variables:
              OPENAI_API_KEY: not-read-by-relay
            """;

    @Test
    void parse_readsALiteLlmConfig() {
        RelayConfig config = RelayConfig.parse(LITELLM_CONFIG);

        assertEquals(3, config.modelList().size());
        RelayConfig.ModelEntry first = config.modelList().get(0);
        assertEquals("gpt-4o", first.modelName());
        assertEquals("openai/gpt-4o", first.litellmParams().model());
        assertEquals("os.environ/OPENAI_API_KEY", first.litellmParams().apiKey());
        assertEquals(60, first.litellmParams().rpm());
        assertEquals(100000, first.litellmParams().tpm());
        assertEquals(2.0, first.litellmParams().weight());
        assertEquals(30.0, first.litellmParams().timeout());
        assertNull(first.litellmParams().apiBase());
        assertEquals("gpt-4o-primary", first.modelInfo().get("id"));
        assertEquals("chat", first.modelInfo().get("mode"));

        RelayConfig.LitellmParams second = config.modelList().get(1).litellmParams();
        assertEquals("openai/gpt-4o-2024-08-06", second.model());
        assertEquals("https://proxy.example.com/v1/", second.apiBase());
        assertEquals("sk-literal-key-in-config", second.apiKey());
        assertEquals("2024-06-01", second.apiVersion());

        assertEquals("mock-gpt", config.modelList().get(2).modelName());
        assertEquals("mock/mock-gpt", config.modelList().get(2).litellmParams().model());

        assertEquals(20.5, config.routerSettings().timeout());
        assertEquals(2, config.routerSettings().numRetries());
        assertEquals(Boolean.TRUE, config.litellmSettings().dropParams());
        assertEquals(600.0, config.litellmSettings().requestTimeout());
        assertEquals("os.environ/RELAY_MASTER_KEY", config.generalSettings().masterKey());
    }

    @Test
    void parse_withOnlyAModelList_givesDefaultSettings() {
        RelayConfig config = RelayConfig.parse("""
                model_list:
                  - model_name: m
                    litellm_params: {model: mock/m}
                """);

        assertEquals(1, config.modelList().size());
        assertNotNull(config.routerSettings());
        assertNull(config.routerSettings().timeout());
        assertNull(config.litellmSettings().dropParams());
        assertNull(config.generalSettings().masterKey());
    }

    @Test
    void parse_readsTheResponseCache_andRejectsAWrongOneAtLoad() {
        var cache = RelayConfig.parse("""
                litellm_settings:
                  cache: true
                  cache_params: {type: redis-semantic, similarity_threshold: 0.92, ttl: 60}
                """).litellmSettings().cacheSettings();
        assertTrue(cache.enabled());
        assertTrue(cache.semantic(), "LiteLLM's redis-semantic is served by DynamoDB");
        assertEquals(0.92, cache.similarityThreshold());
        assertEquals(java.time.Duration.ofMinutes(1), cache.ttl());
        assertFalse(RelayConfig.parse("model_list: []").litellmSettings().cacheSettings().enabled());

        ConfigException e = assertThrows(ConfigException.class, () -> RelayConfig.parse("""
                litellm_settings:
                  cache: true
                  cache_params: {type: memcached}
                """));
        assertTrue(e.getMessage().contains("litellm_settings.cache_params.type"), e.getMessage());
    }

    @Test
    void parse_missingModelName_namesTheEntry() {
        ConfigException e = assertThrows(ConfigException.class, () -> RelayConfig.parse("""
                model_list:
                  - model_name: ok
                    litellm_params: {model: openai/gpt-4o}
                  - litellm_params: {model: openai/gpt-4o}
                """));

        assertTrue(e.getMessage().contains("model_list[1]"), e.getMessage());
        assertTrue(e.getMessage().contains("model_name"), e.getMessage());
    }

    @Test
    void parse_missingLitellmParamsModel_namesTheEntry() {
        ConfigException e = assertThrows(ConfigException.class, () -> RelayConfig.parse("""
                model_list:
                  - model_name: a
                    litellm_params: {api_key: os.environ/OPENAI_API_KEY}
                """));

        assertTrue(e.getMessage().contains("model_list[0]"), e.getMessage());
        assertTrue(e.getMessage().contains("litellm_params.model"), e.getMessage());
    }

    @Test
    void parse_missingLitellmParams_namesTheEntry() {
        ConfigException e = assertThrows(ConfigException.class, () -> RelayConfig.parse("""
                model_list:
                  - model_name: a
                    litellm_params: {model: mock/a}
                  - model_name: b
                  - model_name: c
                    litellm_params: {model: mock/c}
                """));

        assertTrue(e.getMessage().contains("model_list[1]"), e.getMessage());
        assertTrue(e.getMessage().contains("litellm_params.model"), e.getMessage());
    }

    @Test
    void parse_modelWithoutProviderPrefix_isRejected() {
        ConfigException e = assertThrows(ConfigException.class, () -> RelayConfig.parse("""
                model_list:
                  - model_name: a
                    litellm_params: {model: gpt-4o}
                """));

        assertTrue(e.getMessage().contains("model_list[0]"), e.getMessage());
        assertTrue(e.getMessage().contains("provider/model"), e.getMessage());
    }

    @Test
    void parse_invalidYaml_givesConfigException() {
        ConfigException unclosed = assertThrows(ConfigException.class, () -> RelayConfig.parse("model_list: [unclosed"));
        ConfigException badIndent = assertThrows(ConfigException.class, () -> RelayConfig.parse("""
                model_list:
                  - model_name: a
                 litellm_params: {model: mock/a}
                """));

        assertTrue(unclosed.getMessage().startsWith("config.yaml:1: not valid YAML: "), unclosed.getMessage());
        assertTrue(badIndent.getMessage().startsWith("config.yaml:3: not valid YAML: "), badIndent.getMessage());
        assertTrue(!unclosed.getMessage().contains("\n"), "one line: " + unclosed.getMessage());
    }

    @Test
    void parse_wrongShape_givesConfigException() {
        assertThrows(ConfigException.class, () -> RelayConfig.parse("model_list: 5"));
        assertThrows(ConfigException.class, () -> RelayConfig.parse("- just\n- a list\n"));
    }

    @Test
    void parse_emptyOrBlank_givesEmptyConfig() {
        for (String yaml : new String[] {"", "  \n", null}) {
            RelayConfig config = RelayConfig.parse(yaml);
            assertTrue(config.modelList().isEmpty());
            assertNull(config.generalSettings().masterKey());
        }
    }

    @Test
    void parse_onlyComments_givesEmptyConfig() {
        RelayConfig config = RelayConfig.parse("# nothing configured yet\n# model_list: []\n");

        assertTrue(config.modelList().isEmpty());
    }

    @Test
    void load_readsAFile_andReportsAMissingOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, LITELLM_CONFIG);

        assertEquals(3, RelayConfig.load(file).modelList().size());
        ConfigException e = assertThrows(ConfigException.class, () -> RelayConfig.load(dir.resolve("missing.yaml")));
        assertTrue(e.getMessage().contains("missing.yaml"), e.getMessage());
    }

    @Test
    void allowedModelGroupsOnly_withAFallbackThatIsNoGroup_failsAtLoad_namingIt() {
        ConfigException e = assertThrows(ConfigException.class, () -> RelayConfig.parse("""
                model_list:
                  - model_name: gpt-4o
                    litellm_params: {model: openai/gpt-4o}
                router_settings: {fallbacks: [{gpt-4o: [claude-sonnet-4-5]}]}
                general_settings: {allowed_model_groups_only: true}
                """));
        assertTrue(e.getMessage().contains("claude-sonnet-4-5"), e.getMessage());
    }

    @Test
    void answerSizeLimits_mustBePositive() {
        assertThrows(ConfigException.class,
                () -> RelayConfig.parse("general_settings: {max_response_size_mb: 0}"));
        assertThrows(ConfigException.class,
                () -> RelayConfig.parse("general_settings: {max_stream_event_size_mb: -1}"));
        var settings = RelayConfig.parse("general_settings: {max_response_size_mb: 64, max_stream_event_size_mb: 0.5}").generalSettings();
        assertEquals(64.0, settings.maxResponseSizeMb());
        assertEquals(0.5, settings.maxStreamEventSizeMb());
    }
}
