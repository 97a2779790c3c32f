package relay.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import relay.core.catalog.ModelCatalog;
import relay.core.catalog.ModelInfo;
import relay.core.config.ConfigException;
import relay.core.config.RelayConfig;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

/** model_group_alias, tag routing and model_info, as the model router applies them. */
class ConfiguredRoutingTest {
    static final ModelCatalog CATALOG = ModelCatalog.load();

    static ModelRouter router(String yaml) {
        return new ModelRouter(RelayConfig.parse(yaml), ModelRouterTest.PROVIDERS.stream().map(ModelRouterTest::named).toList(),
                Duration.ofSeconds(5), CATALOG);
    }

    static List<String> models(List<Deployment> deployments) {
        return deployments.stream().map(Deployment::providerModel).toList();
    }

    @Test
    void anAlias_routesToItsGroup_beforeTheCatalogsModelOfThatName_andIsListedUnlessHidden() {
        ModelRouter router = router("""
                model_list:
                  - model_name: house-model
                    litellm_params: {model: mock/house-1}
                router_settings:
                  model_group_alias:
                    gpt-4: house-model
                    secret: {model: house-model, hidden: true}
                """);

        assertEquals(List.of("house-1"), models(router.route("gpt-4")), "not the catalog's openai/gpt-4");
        assertEquals(List.of("house-1"), models(router.route("secret")));
        List<String> listed = router.models().stream().map(m -> m.id()).toList();
        assertEquals(List.of("house-model", "gpt-4"), listed.subList(0, 2));
        assertTrue(!listed.contains("secret"), "a hidden alias is not listed");
        assertEquals(1, listed.stream().filter("gpt-4"::equals).count(), "the alias replaces the catalog's entry");
    }

    static final String TAGGED = """
            model_list:
              - model_name: chat
                litellm_params: {model: mock/free, tags: [free]}
              - model_name: chat
                litellm_params: {model: mock/paid, tags: [paid, eu]}
              - model_name: chat
                litellm_params: {model: mock/fallback, tags: [default]}
              - model_name: plain
                litellm_params: {model: mock/plain}
            router_settings:
              enable_tag_filtering: true
            """;

    @Test
    void tags_selectTheDeploymentsThatHaveThem_elseTheDefaultOnes() {
        ModelRouter router = router(TAGGED);

        assertEquals(List.of("free"), models(router.route("chat", List.of("free"))));
        assertEquals(List.of("free", "paid"), models(router.route("chat", List.of("paid", "free"))), "any tag matches");
        assertEquals(List.of("fallback"), models(router.route("chat", List.of("gold"))), "no match: the default deployments");
        assertEquals(List.of("fallback"), models(router.route("chat", List.of())), "untagged: the default deployments");
        assertEquals(List.of("plain"), models(router.route("plain", List.of("free"))), "a group without tags is served as it is");
        assertEquals(List.of("gpt-4o"), models(router.route("openai/gpt-4o", List.of("free"))), "names outside config have no tags");
    }

    @Test
    void matchAll_needsEveryTag_andNoMatchWithoutDefaults_isA400NamingTheTags() {
        ModelRouter all = router(TAGGED.replace("enable_tag_filtering: true", "enable_tag_filtering: true\n  tag_filtering_match_any: false"));
        assertEquals(List.of("paid"), models(all.route("chat", List.of("paid", "eu"))));
        assertEquals(List.of("fallback"), models(all.route("chat", List.of("paid", "us"))));

        ModelRouter strict = router("""
                model_list:
                  - model_name: chat
                    litellm_params: {model: mock/free, tags: [free]}
                  - model_name: chat
                    litellm_params: {model: mock/any}
                router_settings: {enable_tag_filtering: true}
                """);
        assertEquals(List.of("free", "any"), models(strict.route("chat", List.of())), "untagged, no defaults: every deployment");
        RelayException e = assertThrows(RelayException.class, () -> strict.route("chat", List.of("gold")));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals("tags", e.param());
        assertEquals("No deployment of 'chat' has any of the tags [gold] (router_settings.enable_tag_filtering); its deployments' "
                + "tags: free.", e.getMessage());
    }

    @Test
    void withoutTagFiltering_tagsChangeNothing() {
        ModelRouter router = router(TAGGED.replace("enable_tag_filtering: true", "enable_tag_filtering: false"));
        assertEquals(List.of("free", "paid", "fallback"), models(router.route("chat", List.of("paid"))));
    }

    @Test
    void modelInfo_pricesAndWindow_winOverTheCatalog_andPriceAModelItDoesNotKnow() {
        ModelRouter router = router("""
                model_list:
                  - model_name: discounted
                    litellm_params: {model: openai/gpt-4o, input_cost_per_token: 0.000001}
                    model_info: {output_cost_per_token: 0.000004, max_input_tokens: 1000}
                  - model_name: private
                    litellm_params: {model: openai/our-finetune-7}
                    model_info: {input_cost_per_token: 0.0000005, output_cost_per_token: 0.0000015, max_tokens: 4096}
                  - model_name: azure-based
                    litellm_params: {model: openai/my-azure-deployment}
                    model_info: {base_model: gpt-4o-mini}
                """);

        ModelInfo discounted = router.info(router.route("discounted").get(0)).orElseThrow();
        ModelInfo catalog = CATALOG.find("gpt-4o").orElseThrow();
        assertEquals(0, new BigDecimal("0.000001").compareTo(discounted.inputCostPerToken()));
        assertEquals(0, new BigDecimal("0.000004").compareTo(discounted.outputCostPerToken()));
        assertEquals(1000, discounted.maxInputTokens());
        assertEquals(catalog.maxOutputTokens(), discounted.maxOutputTokens(), "what config leaves out, the catalog gives");
        assertEquals(null, discounted.cacheReadCostPerToken(), "the catalog's cache price belongs to its own input price");
        assertEquals(0, new BigDecimal("0.0001").compareTo(discounted.cost(relay.core.wire.Usage.of(100, 0).withDetails(80, null))),
                "cached tokens at the configured input price");

        ModelInfo custom = router.info(router.route("private").get(0)).orElseThrow();
        assertEquals(0, new BigDecimal("0.000002").compareTo(custom.cost(1, 1)));
        assertEquals(4096, custom.maxInputTokens());

        ModelInfo based = router.info(router.route("azure-based").get(0)).orElseThrow();
        assertEquals(CATALOG.find("gpt-4o-mini").orElseThrow().inputCostPerToken(), based.inputCostPerToken());
    }

    @Test
    void requestTimeout_isTheDeploymentsTimeout_unlessTheRouterOrTheDeploymentSetsOne() {
        String models = """
                model_list:
                  - model_name: a
                    litellm_params: {model: mock/a}
                  - model_name: b
                    litellm_params: {model: mock/b, timeout: 7}
                """;
        ModelRouter litellm = router(models + "litellm_settings: {request_timeout: 42}\n");
        assertEquals(Duration.ofSeconds(42), litellm.route("a").get(0).timeout());
        assertEquals(Duration.ofSeconds(7), litellm.route("b").get(0).timeout());
        assertEquals(Duration.ofSeconds(42), litellm.route("openai/gpt-4o").get(0).timeout(), "names outside config too");
        ModelRouter both = router(models + "litellm_settings: {request_timeout: 42}\nrouter_settings: {timeout: 9}\n");
        assertEquals(Duration.ofSeconds(9), both.route("a").get(0).timeout());
    }

    @Test
    void anUnknownProvider_namesTheModelSetting() {
        ConfigException e = assertThrows(ConfigException.class, () -> router("""
                model_list:
                  - model_name: a
                    litellm_params: {model: foo/bar}
                """));
        assertEquals("model_list[0].litellm_params.model", e.setting());
        assertTrue(e.getMessage().startsWith("model_list[0].litellm_params.model: 'foo/bar' names the provider 'foo', which Relay"
                + " does not know; known: "), e.getMessage());
    }
}
