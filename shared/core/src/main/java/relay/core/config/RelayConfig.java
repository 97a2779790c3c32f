package relay.core.config;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Relay's configuration, in LiteLLM's {@code config.yaml} format so a LiteLLM user's file works as it
 * is. Settings LiteLLM has and Relay does not act on are named at startup ({@link ConfigKeys}, read through
 * {@link ConfigFile}). Values of the form {@code os.environ/NAME} are references resolved through the
 * {@link relay.core.keys.KeyStore}.
 *
 * @param environmentVariables LiteLLM's {@code environment_variables}: names the key store also answers, each a
 *                             value or an {@code os.environ/NAME} reference (see {@link #variables()})
 * @param guardrails           LiteLLM's {@code guardrails} list, read by {@link relay.core.guardrail.Guardrails}
 */
public record RelayConfig(
        List<ModelEntry> modelList,
        RouterSettings routerSettings,
        LitellmSettings litellmSettings,
        GeneralSettings generalSettings,
        Map<String, Object> environmentVariables,
        List<GuardrailEntry> guardrails) {

    public RelayConfig {
        modelList = modelList == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(modelList));
        routerSettings = routerSettings == null ? RouterSettings.NONE : routerSettings;
        litellmSettings = litellmSettings == null ? LitellmSettings.NONE : litellmSettings;
        generalSettings = generalSettings == null ? new GeneralSettings(null) : generalSettings;
        environmentVariables = environmentVariables == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environmentVariables));
        guardrails = guardrails == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(guardrails));
    }

    /** One {@code model_list} entry: a deployment that serves the model group {@code model_name}. */
    public record ModelEntry(String modelName, LitellmParams litellmParams, Map<String, Object> modelInfo) {}

    /**
     * One {@code guardrails} entry: its name (what requests ask for) and its {@code litellm_params}
     * ({@code guardrail}: the type, {@code mode}, {@code default_on}, and the type's own settings).
     */
    public record GuardrailEntry(String guardrailName, Map<String, Object> litellmParams) {}

    /**
     * {@code litellm_params}: {@code model} is {@code provider/model}; {@code api_key} is usually {@code os.environ/NAME};
     * {@code tags} select the deployment for requests with those tags ({@code router_settings.enable_tag_filtering});
     * {@code input_cost_per_token} and {@code output_cost_per_token} are its prices, as {@code model_info}'s.
     */
    public record LitellmParams(
            String model, String apiBase, String apiKey, String apiVersion,
            Integer rpm, Integer tpm, Double weight, Double timeout,
            String vertexProject, String vertexLocation, String awsRegionName, Double streamTimeout,
            List<String> tags, BigDecimal inputCostPerToken, BigDecimal outputCostPerToken) {

        /** The per-deployment settings, by their config names, for {@link relay.core.provider.Deployment#options()}. */
        public java.util.Map<String, String> deploymentOptions() {
            java.util.Map<String, String> options = new java.util.HashMap<>();
            if (weight != null) options.put("weight", weight.toString());
            if (rpm != null) options.put("rpm", rpm.toString());
            if (apiVersion != null) options.put("api_version", apiVersion);
            if (vertexProject != null) options.put("vertex_project", vertexProject);
            if (vertexLocation != null) options.put("vertex_location", vertexLocation);
            if (awsRegionName != null) options.put("aws_region_name", awsRegionName);
            if (streamTimeout != null) options.put(relay.core.provider.Deployment.STREAM_TIMEOUT, streamTimeout.toString());
            return options;
        }
    }

    /**
     * {@code router_settings}. Fallback lists are LiteLLM's shape: {@code [{"gpt-4": ["llama2", "claude"]}]},
     * with {@code "*"} as the default for every group.
     *
     * @param modelGroupAlias      a name clients may use for a model group: {@code {"gpt-4": "my-gpt"}}, or
     *                             {@code {"gpt-4": {"model": "my-gpt", "hidden": true}}} to keep it out of {@code GET /models}
     * @param enableTagFiltering   requests with {@code tags} go to the deployments that have them
     * @param tagFilteringMatchAny true (the default): a deployment with any of the request's tags; false: with all of them
     * @param enablePreCallChecks  LiteLLM's context-window check before the call; Relay always makes it
     */
    public record RouterSettings(
            Double timeout, Integer numRetries, String routingStrategy, Integer allowedFails, Double cooldownTime,
            List<Map<String, List<String>>> fallbacks,
            List<Map<String, List<String>>> contextWindowFallbacks,
            List<Map<String, List<String>>> contentPolicyFallbacks,
            List<String> defaultFallbacks,
            Double streamTimeout,
            Map<String, Object> modelGroupAlias,
            Boolean enableTagFiltering,
            Boolean tagFilteringMatchAny,
            Boolean enablePreCallChecks) {
        static final RouterSettings NONE = new RouterSettings(null, null, null, null, null, null, null, null, null, null,
                null, null, null, null);

        public boolean tagFiltering() {
            return Boolean.TRUE.equals(enableTagFiltering);
        }
    }

    /** {@code litellm_settings}; LiteLLM also accepts the reliability settings here, so Relay does too. */
    public record LitellmSettings(
            Boolean dropParams, Double requestTimeout, Integer numRetries,
            List<Map<String, List<String>>> fallbacks,
            List<Map<String, List<String>>> contextWindowFallbacks,
            List<Map<String, List<String>>> contentPolicyFallbacks,
            List<String> defaultFallbacks,
            Boolean turnOffMessageLogging,
            Object cache,
            Object cacheParams,
            Object maxEndUserBudget) {
        static final LitellmSettings NONE = new LitellmSettings(null, null, null, null, null, null, null, null, null, null, null);

        /** The response cache: {@code cache} and {@code cache_params}. */
        public relay.core.cache.CacheSettings cacheSettings() {
            return relay.core.cache.CacheSettings.from(cache, cacheParams);
        }
    }

    /**
     * {@code general_settings}.
     *
     * @param userApiKeyCacheTtl     seconds a virtual key's record is kept in the instance (LiteLLM's
     *                               {@code user_api_key_cache_ttl}); checked where it is used
     * @param allowedModelGroupsOnly true: clients may use only the {@code model_name}s of {@code model_list} (as
     *                               requested model or fallback); no catalog name, no bare {@code provider/model}
     * @param catalogProviders       the providers a catalog name or a bare {@code provider/model} may reach; null: all
     *                               that have a public default address
     * @param maxResponseSizeMb      LiteLLM's name: the largest whole answer Relay reads from a provider, in MB
     * @param maxStreamEventSizeMb   the largest single event (or line) of a provider's stream, in MB
     * @param strictConfig           true: a setting Relay would ignore is an error at startup, not a warning
     */
    public record GeneralSettings(String masterKey, Object userApiKeyCacheTtl, Boolean allowedModelGroupsOnly,
                                  List<String> catalogProviders, Double maxResponseSizeMb, Double maxStreamEventSizeMb,
                                  Boolean strictConfig) {
        public GeneralSettings {
            catalogProviders = catalogProviders == null ? null : List.copyOf(catalogProviders);
        }

        public GeneralSettings(String masterKey) {
            this(masterKey, null, null, null, null, null, null);
        }

        /** Whether settings Relay would ignore stop it from starting ({@code strict_config}). */
        public boolean strict() {
            return Boolean.TRUE.equals(strictConfig);
        }

        /** Whether clients are limited to the configured model groups. */
        public boolean modelGroupsOnly() {
            return Boolean.TRUE.equals(allowedModelGroupsOnly);
        }
    }

    public static RelayConfig empty() {
        return new RelayConfig(null, null, null, null, null, null);
    }

    /**
     * The config in {@code yaml}, checked; a {@link ConfigException} says where and what. Settings Relay does not act
     * on are left out quietly here: {@link ConfigFile} names them.
     */
    public static RelayConfig parse(String yaml) {
        return ConfigFile.parse(yaml, ConfigFile.DEFAULT_NAME).config();
    }

    public static RelayConfig load(Path file) {
        return ConfigFile.load(file).config();
    }

    /**
     * {@code environment_variables} as text, each a value or an {@code os.environ/NAME} reference. Never printed:
     * they are usually keys.
     */
    public Map<String, String> variables() {
        Map<String, String> variables = new LinkedHashMap<>();
        environmentVariables.forEach((name, value) -> variables.put(name, String.valueOf(value)));
        return variables;
    }

    void validate() {
        litellmSettings.cacheSettings(); // a wrong cache setting fails at load, not on the first request
        positiveSize("max_response_size_mb", generalSettings.maxResponseSizeMb());
        positiveSize("max_stream_event_size_mb", generalSettings.maxStreamEventSizeMb());
        for (int i = 0; i < modelList.size(); i++) {
            ModelEntry entry = modelList.get(i);
            String where = "model_list[" + i + "]";
            if (entry == null) throw new ConfigException(where, "is empty");
            if (entry.modelName() == null || entry.modelName().isBlank()) {
                throw new ConfigException(where + ".model_name", "is required");
            }
            if (entry.litellmParams() == null || entry.litellmParams().model() == null
                    || !entry.litellmParams().model().contains("/")) {
                throw new ConfigException(where + ".litellm_params.model", "is required, as provider/model (e.g. openai/gpt-4o)");
            }
            if (entry.litellmParams().tags() != null) {
                for (int t = 0; t < entry.litellmParams().tags().size(); t++) {
                    String tag = entry.litellmParams().tags().get(t);
                    if (tag == null || tag.isBlank()) throw new ConfigException(where + ".litellm_params.tags[" + t + "]", "must be a tag name");
                }
            }
            deploymentInfo(entry, where);
        }
        environmentVariables.forEach((name, value) -> {
            if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
                // the value itself is never echoed: it is usually a key
                throw new ConfigException("environment_variables." + name, "must be a single value (text, or os.environ/NAME)");
            }
        });
        modelGroupAliases();
        guardrailNames();
        requireFallbacksAreGroups();
    }

    /**
     * What {@code model_info} (and {@code litellm_params}' prices) say of one entry's model, checked: prices and
     * window used for cost and context-window checks instead of the catalog's.
     *
     * @param where the entry's path, for messages
     */
    public static relay.core.catalog.ConfiguredModelInfo deploymentInfo(ModelEntry entry, String where) {
        Map<String, Object> info = entry.modelInfo() == null ? Map.of() : entry.modelInfo();
        String at = where + ".model_info.";
        BigDecimal input = price(info.get("input_cost_per_token"), at + "input_cost_per_token");
        BigDecimal output = price(info.get("output_cost_per_token"), at + "output_cost_per_token");
        LitellmParams params = entry.litellmParams();
        if (params != null && params.inputCostPerToken() != null) {
            input = price(params.inputCostPerToken(), where + ".litellm_params.input_cost_per_token");
        }
        if (params != null && params.outputCostPerToken() != null) {
            output = price(params.outputCostPerToken(), where + ".litellm_params.output_cost_per_token");
        }
        Integer maxInput = tokens(info.get("max_input_tokens"), at + "max_input_tokens");
        Integer maxOutput = tokens(info.get("max_output_tokens"), at + "max_output_tokens");
        // LiteLLM's older max_tokens is the window when max_input_tokens is not given
        Integer maxTokens = tokens(info.get("max_tokens"), at + "max_tokens");
        if (maxInput == null) maxInput = maxTokens;
        Object base = info.get("base_model");
        if (base != null && (!(base instanceof String s) || s.isBlank())) {
            throw new ConfigException(at + "base_model", "must be a model name from the price list (e.g. azure/gpt-4o)");
        }
        return new relay.core.catalog.ConfiguredModelInfo(input, output, maxInput, maxOutput, (String) base);
    }

    private static BigDecimal price(Object value, String where) {
        if (value == null) return null;
        BigDecimal price;
        try {
            price = value instanceof BigDecimal b ? b : value instanceof Number n ? new BigDecimal(n.toString()) : null;
        } catch (NumberFormatException e) {
            price = null;
        }
        if (price == null || price.signum() < 0) throw new ConfigException(where, "must be a price in USD per token, 0 or more");
        return price;
    }

    private static Integer tokens(Object value, String where) {
        if (value == null) return null;
        if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 1
                || ((Number) value).longValue() > Integer.MAX_VALUE) {
            throw new ConfigException(where, "must be a whole number of tokens above 0");
        }
        return ((Number) value).intValue();
    }

    /**
     * {@code router_settings.model_group_alias}, checked: alias to {@code model_name} of {@code model_list}, whether
     * hidden from {@code GET /models}. An alias must not be a group's own name, nor lead to another alias.
     */
    public Map<String, ModelGroupAlias> modelGroupAliases() {
        Map<String, Object> given = routerSettings.modelGroupAlias();
        if (given == null || given.isEmpty()) return Map.of();
        java.util.Set<String> groups = new java.util.HashSet<>();
        modelList.forEach(entry -> groups.add(entry.modelName()));
        Map<String, ModelGroupAlias> aliases = new LinkedHashMap<>();
        given.forEach((alias, value) -> {
            String where = "router_settings.model_group_alias." + alias;
            String target;
            boolean hidden = false;
            if (value instanceof String s) {
                target = s;
            } else if (value instanceof Map<?, ?> m && m.get("model") instanceof String s) {
                target = s;
                Object h = m.get("hidden");
                if (h != null && !(h instanceof Boolean)) throw new ConfigException(where + ".hidden", "must be true or false");
                hidden = Boolean.TRUE.equals(h);
            } else {
                throw new ConfigException(where, "must be a model_name of model_list, or {model: <model_name>, hidden: true}");
            }
            if (groups.contains(alias)) {
                throw new ConfigException(where, "'" + alias + "' is already a model_name of model_list; an alias must be a new name");
            }
            if (!groups.contains(target)) {
                throw new ConfigException(where, "leads to '" + target + "', which is no model_name of model_list");
            }
            aliases.put(alias, new ModelGroupAlias(target, hidden));
        });
        return aliases;
    }

    /** A {@code model_group_alias} entry: the group it names, and whether {@code GET /models} leaves it out. */
    public record ModelGroupAlias(String modelGroup, boolean hidden) {}

    private void guardrailNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < guardrails.size(); i++) {
            GuardrailEntry entry = guardrails.get(i);
            String where = "guardrails[" + i + "]";
            if (entry == null) throw new ConfigException(where, "is empty");
            if (entry.guardrailName() == null || entry.guardrailName().isBlank()) {
                throw new ConfigException(where + ".guardrail_name", "is required: requests name a guardrail by it");
            }
            if (!names.add(entry.guardrailName())) {
                throw new ConfigException(where + ".guardrail_name", "'" + entry.guardrailName() + "' names an earlier guardrail too");
            }
            if (entry.litellmParams() == null) {
                throw new ConfigException(where + ".litellm_params", "is required, with guardrail: <type> and mode: pre_call");
            }
        }
    }

    /**
     * With {@code allowed_model_groups_only}, every fallback the config names must be a model group too: a name
     * that could never be served fails here, at load, rather than on the request that needs it.
     */
    private void requireFallbacksAreGroups() {
        if (!generalSettings.modelGroupsOnly()) return;
        java.util.Set<String> groups = new java.util.HashSet<>();
        modelList.forEach(entry -> groups.add(entry.modelName()));
        List<List<Map<String, List<String>>>> tables = java.util.Arrays.asList(
                routerSettings.fallbacks(), routerSettings.contextWindowFallbacks(), routerSettings.contentPolicyFallbacks(),
                litellmSettings.fallbacks(), litellmSettings.contextWindowFallbacks(), litellmSettings.contentPolicyFallbacks());
        List<String> named = new java.util.ArrayList<>();
        for (var table : tables) {
            if (table == null) continue;
            for (var entry : table) if (entry != null) entry.values().forEach(targets -> { if (targets != null) named.addAll(targets); });
        }
        if (routerSettings.defaultFallbacks() != null) named.addAll(routerSettings.defaultFallbacks());
        if (litellmSettings.defaultFallbacks() != null) named.addAll(litellmSettings.defaultFallbacks());
        for (String target : named) {
            if (!groups.contains(target)) {
                throw new ConfigException("general_settings.allowed_model_groups_only", "is on, but the fallback '" + target
                        + "' is no model_name in model_list; add a model_list entry for it");
            }
        }
    }

    private static void positiveSize(String name, Double megabytes) {
        if (megabytes != null && !(megabytes > 0)) {
            throw new ConfigException("general_settings." + name, "must be a number of megabytes above 0");
        }
    }
}
