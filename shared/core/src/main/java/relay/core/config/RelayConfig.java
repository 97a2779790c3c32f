package relay.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Relay's configuration, in LiteLLM's {@code config.yaml} format so a LiteLLM user's file works as it
 * is. Keys LiteLLM has and Relay does not use yet are ignored. Values of the form
 * {@code os.environ/NAME} are references resolved through the {@link relay.core.keys.KeyStore}.
 */
public record RelayConfig(
        List<ModelEntry> modelList,
        RouterSettings routerSettings,
        LitellmSettings litellmSettings,
        GeneralSettings generalSettings) {

    public RelayConfig {
        modelList = modelList == null ? List.of() : List.copyOf(modelList);
        routerSettings = routerSettings == null ? RouterSettings.NONE : routerSettings;
        litellmSettings = litellmSettings == null ? LitellmSettings.NONE : litellmSettings;
        generalSettings = generalSettings == null ? new GeneralSettings(null) : generalSettings;
    }

    /** One {@code model_list} entry: a deployment that serves the model group {@code model_name}. */
    public record ModelEntry(String modelName, LitellmParams litellmParams, Map<String, Object> modelInfo) {}

    /** {@code litellm_params}: {@code model} is {@code provider/model}; {@code api_key} is usually {@code os.environ/NAME}. */
    public record LitellmParams(
            String model, String apiBase, String apiKey, String apiVersion,
            Integer rpm, Integer tpm, Double weight, Double timeout,
            String vertexProject, String vertexLocation, String awsRegionName, Double streamTimeout) {

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
     */
    public record RouterSettings(
            Double timeout, Integer numRetries, String routingStrategy, Integer allowedFails, Double cooldownTime,
            List<Map<String, List<String>>> fallbacks,
            List<Map<String, List<String>>> contextWindowFallbacks,
            List<Map<String, List<String>>> contentPolicyFallbacks,
            List<String> defaultFallbacks,
            Double streamTimeout) {
        static final RouterSettings NONE = new RouterSettings(null, null, null, null, null, null, null, null, null, null);
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
     */
    public record GeneralSettings(String masterKey, Object userApiKeyCacheTtl, Boolean allowedModelGroupsOnly,
                                  List<String> catalogProviders, Double maxResponseSizeMb, Double maxStreamEventSizeMb) {
        public GeneralSettings {
            catalogProviders = catalogProviders == null ? null : List.copyOf(catalogProviders);
        }

        public GeneralSettings(String masterKey) {
            this(masterKey, null, null, null, null, null);
        }

        /** Whether clients are limited to the configured model groups. */
        public boolean modelGroupsOnly() {
            return Boolean.TRUE.equals(allowedModelGroupsOnly);
        }
    }

    public static RelayConfig empty() {
        return new RelayConfig(null, null, null, null);
    }

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public static RelayConfig parse(String yaml) {
        RelayConfig config;
        try {
            config = yaml == null || yaml.isBlank() ? null : read(yaml);
        } catch (IOException e) {
            throw new ConfigException("config.yaml is not valid: " + firstLine(e.getMessage()));
        }
        if (config == null) return empty();
        config.validate();
        return config;
    }

    /** A file of only comments holds no document at all: that is an empty config, not an error. */
    private static RelayConfig read(String yaml) throws IOException {
        try (JsonParser parser = YAML.createParser(yaml)) {
            return parser.nextToken() == null ? null : YAML.readValue(parser, RelayConfig.class);
        }
    }

    public static RelayConfig load(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
    }

    private void validate() {
        litellmSettings.cacheSettings(); // a wrong cache setting fails at load, not on the first request
        positiveSize("max_response_size_mb", generalSettings.maxResponseSizeMb());
        positiveSize("max_stream_event_size_mb", generalSettings.maxStreamEventSizeMb());
        for (int i = 0; i < modelList.size(); i++) {
            ModelEntry entry = modelList.get(i);
            String where = "model_list[" + i + "]";
            if (entry == null) throw new ConfigException(where + " is empty");
            if (entry.modelName() == null || entry.modelName().isBlank()) {
                throw new ConfigException(where + ".model_name is required");
            }
            if (entry.litellmParams() == null || entry.litellmParams().model() == null
                    || !entry.litellmParams().model().contains("/")) {
                throw new ConfigException(where + ".litellm_params.model is required, as provider/model (e.g. openai/gpt-4o)");
            }
        }
        requireFallbacksAreGroups();
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
                throw new ConfigException("general_settings.allowed_model_groups_only is on, but the fallback '" + target
                        + "' is no model_name in model_list; add a model_list entry for it");
            }
        }
    }

    private static void positiveSize(String name, Double megabytes) {
        if (megabytes != null && !(megabytes > 0)) {
            throw new ConfigException("general_settings." + name + " must be a number of megabytes above 0");
        }
    }

    private static String firstLine(String message) {
        if (message == null) return "unreadable YAML";
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
