package relay.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.core.routing.RouterPolicy;

/** A LiteLLM user's config as Relay reads it: what it acts on, what it names as ignored, and where each error is. */
class ConfigFileTest {
    /**
     * A LiteLLM proxy config laid out as LiteLLM's documentation writes them: deployments with tags and model_info,
     * an alias, tag routing, callbacks, a guardrail of each kind, environment variables, and settings only LiteLLM has.
     */
    static final String LITELLM_CONFIG = """
            model_list:
              - model_name: gpt-4o
                litellm_params:
                  model: openai/gpt-4o
                  api_key: os.environ/OPENAI_API_KEY
                  rpm: 60
                  tpm: 100000
                  tags: ["paid"]
                model_info:
                  id: gpt-4o-primary
                  input_cost_per_token: 0.000002
                  max_input_tokens: 64000
                  supports_vision: true
              - model_name: gpt-4o
                litellm_params:
                  model: openai/gpt-4o-mini
                  api_key: os.environ/OPENAI_API_KEY
                  tags: ["free", "default"]
            router_settings:
              routing_strategy: simple-shuffle
              redis_host: os.environ/REDIS_HOST
              enable_tag_filtering: true
              model_group_alias: {"gpt-4": "gpt-4o"}
              num_retries: 2
            litellm_settings:
              drop_params: true
              success_callback: ["langfuse"]
              callbacks: ["prometheus", "posthog"]
              max_budget: 100
            general_settings:
              master_key: os.environ/RELAY_MASTER_KEY
              database_url: os.environ/DATABASE_URL
              shiny_new_setting: true
            environment_variables:
              OPENAI_API_KEY: os.environ/MY_OPENAI_KEY
              LANGFUSE_HOST: https://cloud.langfuse.com
            guardrails:
              - guardrail_name: pii-mask
                litellm_params:
                  guardrail: litellm_content_filter
                  mode: pre_call
                  default_on: true
                  patterns:
                    - {pattern_type: prebuilt, pattern_name: email, action: MASK}
                    - {pattern_type: prebuilt, pattern_name: us_ssn, action: BLOCK}
              - guardrail_name: lakera
                litellm_params:
                  guardrail: lakera_v2
                  mode: during_call
                  api_key: os.environ/LAKERA_API_KEY
            """;

    /** The 1-based line of the first line containing {@code text}. */
    static int line(String yaml, String text) {
        List<String> lines = yaml.lines().toList();
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(text)) return i + 1;
        throw new AssertionError("no line with " + text);
    }

    @Test
    void aLiteLlmConfig_loads_andNamesEachSettingRelayIgnores_onceWithItsLine() {
        ConfigFile file = ConfigFile.parse(LITELLM_CONFIG, "config.yaml");
        String y = LITELLM_CONFIG;

        assertEquals(List.of(
                "config.yaml:" + line(y, "tpm:") + ": model_list[0].litellm_params.tpm: not supported; ignored (Relay neither limits nor weighs deployments by tpm)",
                "config.yaml:" + line(y, "supports_vision") + ": model_list[0].model_info.supports_vision: not supported; ignored",
                "config.yaml:" + line(y, "redis_host") + ": router_settings.redis_host: not supported; ignored (Relay keeps no state outside DynamoDB)",
                "config.yaml:" + line(y, "success_callback") + ": litellm_settings.success_callback[0]: 'langfuse' is not supported; ignored",
                "config.yaml:" + line(y, "callbacks: [") + ": litellm_settings.callbacks[0]: 'prometheus' is not supported; ignored",
                "config.yaml:" + line(y, "max_budget") + ": litellm_settings.max_budget: not supported; ignored",
                "config.yaml:" + line(y, "database_url") + ": general_settings.database_url: not supported; ignored (Relay keeps its data in DynamoDB)",
                "config.yaml:" + line(y, "shiny_new_setting") + ": general_settings.shiny_new_setting: unknown setting; ignored",
                "config.yaml:" + line(y, "lakera_v2") + ": guardrails[1].litellm_params.guardrail: 'lakera_v2' is not supported; ignored: this guardrail is not run"),
                file.warnings());

        RelayConfig config = file.config();
        assertEquals(List.of("paid"), config.modelList().get(0).litellmParams().tags());
        assertTrue(config.routerSettings().tagFiltering());
        assertEquals("gpt-4o", config.modelGroupAliases().get("gpt-4").modelGroup());
        assertEquals(2, config.guardrails().size());
        assertEquals("os.environ/MY_OPENAI_KEY", config.variables().get("OPENAI_API_KEY"));
        var info = RelayConfig.deploymentInfo(config.modelList().get(0), "model_list[0]");
        assertEquals(0, new java.math.BigDecimal("0.000002").compareTo(info.inputCostPerToken()));
        assertEquals(64000, info.maxInputTokens());
    }

    @Test
    void strictConfig_makesTheIgnoredSettingsOneError_listingEachWithItsLine() {
        String strict = LITELLM_CONFIG.replace("  shiny_new_setting: true\n", "  shiny_new_setting: true\n  strict_config: true\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.parse(strict, "litellm.yaml"));

        assertTrue(e.getMessage().startsWith("litellm.yaml:" + line(strict, "strict_config")
                + ": general_settings.strict_config: is on, and Relay would ignore 9 settings:"), e.getMessage());
        assertTrue(e.getMessage().contains("\n  litellm.yaml:" + line(strict, "callbacks: [")
                + ": litellm_settings.callbacks[0]: 'prometheus' is not supported; ignored"), e.getMessage());
        assertTrue(e.getMessage().contains("general_settings.shiny_new_setting: unknown setting"), e.getMessage());
        assertFalse(e.getMessage().contains("at relay."), "no stack trace in the message");
    }

    @Test
    void aConfigWithOnlyWhatRelayDoes_hasNoWarnings_evenWhenStrict() {
        ConfigFile file = ConfigFile.parse("""
                model_list:
                  - model_name: m
                    litellm_params: {model: mock/m, tags: [a]}
                    model_info: {id: m-1, mode: chat, max_tokens: 8192}
                router_settings: {enable_tag_filtering: true, tag_filtering_match_any: false}
                litellm_settings: {success_callback: [posthog], callbacks: sentry}
                general_settings: {strict_config: true}
                """, "config.yaml");

        assertEquals(List.of(), file.warnings());
    }

    @Test
    void tagsWithoutTagFiltering_areNamed_asTheyRouteNothing() {
        String yaml = """
                model_list:
                  - model_name: m
                    litellm_params: {model: mock/m, tags: [paid]}
                """;
        assertEquals(List.of("config.yaml:3: model_list[0].litellm_params.tags: tags route requests only with "
                + "router_settings.enable_tag_filtering: true; ignored"), ConfigFile.parse(yaml, "config.yaml").warnings());
    }

    @Test
    void aValueOfTheWrongType_namesFileLineAndSetting() {
        String yaml = """
                model_list:
                  - model_name: a
                    litellm_params:
                      model: openai/gpt-4o
                      rpm: lots
                """;
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.parse(yaml, "/etc/relay/config.yaml"));

        assertEquals("/etc/relay/config.yaml:5: model_list[0].litellm_params.rpm: 'lots' is not a whole number", e.getMessage());
        assertEquals("model_list[0].litellm_params.rpm", e.setting());
    }

    @Test
    void aListWhereAMappingBelongs_namesTheSetting() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.parse("""
                router_settings:
                  num_retries: 2
                  model_group_alias: [gpt-4]
                """, "config.yaml"));

        assertTrue(e.getMessage().startsWith("config.yaml:3: router_settings.model_group_alias: must be a mapping"), e.getMessage());
    }

    @Test
    void brokenYaml_namesTheLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.parse("""
                model_list:
                  - model_name: a
                    litellm_params: {model: openai/gpt-4o
                router_settings: {}
                """, "config.yaml"));

        assertTrue(e.getMessage().matches("config\\.yaml:[34]: not valid YAML: .*"), e.getMessage());
    }

    @Test
    void aMissingSetting_pointsAtTheEntryThatLacksIt() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.parse("""
                model_list:
                  - model_name: a
                    litellm_params: {model: mock/a}
                  - model_name: b
                    litellm_params:
                      api_key: os.environ/X
                """, "config.yaml"));

        assertEquals("config.yaml:5: model_list[1].litellm_params.model: is required, as provider/model (e.g. openai/gpt-4o)",
                e.getMessage());
    }

    @Test
    void checksAfterParsing_areLocatedToo_bySettingOrByTheSettingTheirMessageStartsWith() {
        ConfigFile file = ConfigFile.parse("""
                model_list:
                  - model_name: a
                    litellm_params: {model: mock/a}
                router_settings:
                  routing_strategy: usage-based-routing-v2
                """, "config.yaml");

        ConfigException strategy = assertThrows(ConfigException.class, () -> file.check(RouterPolicy::from));
        assertTrue(strategy.getMessage().startsWith("config.yaml:5: router_settings.routing_strategy: 'usage-based-routing-v2'"
                + " is not supported"), strategy.getMessage());

        ConfigException cache = assertThrows(ConfigException.class, () -> ConfigFile.parse("""
                litellm_settings:
                  cache: true
                  cache_params:
                    type: memcached
                """, "config.yaml"));
        assertTrue(cache.getMessage().startsWith("config.yaml:4: litellm_settings.cache_params.type"), cache.getMessage());
    }

    @Test
    void allowedFailsZero_isAnErrorWithItsLine() {
        ConfigFile file = ConfigFile.parse("router_settings:\n  num_retries: 1\n  allowed_fails: 0\n", "config.yaml");

        ConfigException e = assertThrows(ConfigException.class, () -> file.check(RouterPolicy::from));
        assertEquals("config.yaml:3: router_settings.allowed_fails: must be at least 1", e.getMessage());
    }

    @Test
    void environmentVariables_mustBeSingleValues_andAValueIsNeverEchoed() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.parse("""
                environment_variables:
                  OPENAI_API_KEY: {value: sk-do-not-print-me}
                """, "config.yaml"));

        assertEquals("config.yaml:2: environment_variables.OPENAI_API_KEY: must be a single value (text, or os.environ/NAME)",
                e.getMessage());
        assertFalse(e.getMessage().contains("sk-do-not-print-me"));
        assertEquals("8080", RelayConfig.parse("environment_variables: {PORT: 8080}").variables().get("PORT"));
    }

    @Test
    void modelGroupAliases_mustLeadToAGroup_andMustNotShadowOne() {
        String base = """
                model_list:
                  - model_name: gpt-4o
                    litellm_params: {model: openai/gpt-4o}
                router_settings:
                  model_group_alias:
                """;
        ConfigException unknown = assertThrows(ConfigException.class, () -> ConfigFile.parse(base + "    gpt-4: gpt-4-turbo\n", "c.yaml"));
        assertEquals("c.yaml:6: router_settings.model_group_alias.gpt-4: leads to 'gpt-4-turbo', which is no model_name of model_list",
                unknown.getMessage());
        ConfigException shadow = assertThrows(ConfigException.class, () -> ConfigFile.parse(base + "    gpt-4o: gpt-4o\n", "c.yaml"));
        assertTrue(shadow.getMessage().contains("already a model_name"), shadow.getMessage());

        var hidden = RelayConfig.parse(base + "    gpt-4: {model: gpt-4o, hidden: true}\n").modelGroupAliases().get("gpt-4");
        assertEquals(new RelayConfig.ModelGroupAlias("gpt-4o", true), hidden);
    }

    @Test
    void modelInfo_pricesAndWindows_areChecked() {
        ConfigException price = assertThrows(ConfigException.class, () -> ConfigFile.parse("""
                model_list:
                  - model_name: m
                    litellm_params: {model: mock/m}
                    model_info:
                      input_cost_per_token: -1
                """, "config.yaml"));
        assertEquals("config.yaml:5: model_list[0].model_info.input_cost_per_token: must be a price in USD per token, 0 or more",
                price.getMessage());

        ConfigException window = assertThrows(ConfigException.class, () -> RelayConfig.parse("""
                model_list:
                  - model_name: m
                    litellm_params: {model: mock/m}
                    model_info: {max_input_tokens: lots}
                """));
        assertTrue(window.getMessage().contains("model_list[0].model_info.max_input_tokens: must be a whole number"), window.getMessage());
    }

    @Test
    void aGuardrailWithoutAName_orTwoWithOne_isAnError() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.parse("""
                guardrails:
                  - guardrail_name: g
                    litellm_params: {guardrail: litellm_content_filter, mode: pre_call}
                  - guardrail_name: g
                    litellm_params: {guardrail: litellm_content_filter, mode: pre_call}
                """, "config.yaml"));
        assertEquals("config.yaml:4: guardrails[1].guardrail_name: 'g' names an earlier guardrail too", e.getMessage());
    }

    @Test
    void aFileOfOneList_isRefusedWithItsName() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.parse("- just\n- a list\n", "config.yaml"));
        assertTrue(e.getMessage().startsWith("config.yaml:1: the file must be a mapping of settings"), e.getMessage());
    }

    @Test
    void load_namesTheFileItRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("relay.yaml");
        Files.writeString(file, "general_settings:\n  max_response_size_mb: 0\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.load(file));
        assertEquals(file + ":2: general_settings.max_response_size_mb: must be a number of megabytes above 0", e.getMessage());
        assertTrue(e.located());
        assertEquals(0, e.getStackTrace().length, "a config error carries no stack trace to print");
    }
}
