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
     * {@code general_settings}. {@code user_api_key_cache_ttl}: seconds a virtual key's record is kept in
     * the instance (LiteLLM's name); checked where it is used.
     */
    public record GeneralSettings(String masterKey, Object userApiKeyCacheTtl) {
        public GeneralSettings(String masterKey) {
            this(masterKey, null);
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
    }

    private static String firstLine(String message) {
        if (message == null) return "unreadable YAML";
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
