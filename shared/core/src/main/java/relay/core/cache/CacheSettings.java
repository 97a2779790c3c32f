package relay.core.cache;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import relay.core.config.ConfigException;

/**
 * The response cache as {@code litellm_settings} configures it:
 *
 * <pre>{@code
 * litellm_settings:
 *   cache: true
 *   cache_params:
 *     type: dynamodb-semantic      # dynamodb = exact only; dynamodb-semantic = exact, then semantic
 *     similarity_threshold: 0.97   # semantic only; in (0, 1]; unset = the embedder's tuned default
 *     ttl: 3600                    # seconds an entry lives (a request's cache.ttl overrides it)
 *     embedding_model: null        # null: the in-process embedder; else a model group to embed with
 *     namespace: team-a            # optional prefix of every key
 *     mode: default_on             # or default_off: only requests with cache: {"use-cache": true}
 * }</pre>
 *
 * LiteLLM's own backend names are accepted so that a LiteLLM file works unchanged, and are served by
 * DynamoDB: {@code local}, {@code redis}, {@code s3}, {@code gcs}, {@code azure-blob}, {@code disk}
 * act as {@code dynamodb}; {@code redis-semantic}, {@code qdrant-semantic}, {@code valkey-semantic} as
 * {@code dynamodb-semantic}. LiteLLM's {@code redis_semantic_cache_embedding_model} (and the qdrant one)
 * is read as {@code embedding_model}.
 *
 * @param similarityThreshold null: the semantic judge's own tuned default
 * @param type the configured type as written (for the start-up message)
 * @param embeddingModel null for the in-process {@link Embedder}
 * @param namespace null for none
 * @param defaultOff {@code mode: default_off}: look up and store only when a request opts in
 */
public record CacheSettings(
        boolean enabled,
        boolean semantic,
        Double similarityThreshold,
        Duration ttl,
        String embeddingModel,
        String namespace,
        boolean defaultOff,
        String type) {

    public static final Duration DEFAULT_TTL = Duration.ofHours(1);
    public static final CacheSettings OFF =
            new CacheSettings(false, false, null, DEFAULT_TTL, null, null, false, null);

    private static final Set<String> EXACT_TYPES = Set.of("dynamodb", "local", "redis", "s3", "gcs", "azure-blob", "disk");
    private static final Set<String> SEMANTIC_TYPES = Set.of("dynamodb-semantic", "redis-semantic", "qdrant-semantic",
            "valkey-semantic");
    private static final String WHERE = "litellm_settings.cache_params.";

    /** The settings from {@code litellm_settings} (the YAML mapping as read; null = no settings). */
    public static CacheSettings from(Map<String, Object> litellmSettings) {
        if (litellmSettings == null) return OFF;
        return from(litellmSettings.get("cache"), litellmSettings.get("cache_params"));
    }

    /**
     * The settings from the two values of {@code litellm_settings}: {@code cache} (a boolean, or null)
     * and {@code cache_params} (a mapping, or null).
     */
    public static CacheSettings from(Object cache, Object paramsValue) {
        if (cache == null || Boolean.FALSE.equals(cache)) return OFF;
        if (!(cache instanceof Boolean)) throw new ConfigException("litellm_settings.cache must be true or false");
        if (paramsValue != null && !(paramsValue instanceof Map<?, ?>)) {
            throw new ConfigException("litellm_settings.cache_params must be a mapping");
        }
        Map<?, ?> params = paramsValue == null ? Map.of() : (Map<?, ?>) paramsValue;

        String type = string(params, "type");
        String normalized = type == null ? "dynamodb" : type.trim().toLowerCase(Locale.ROOT);
        boolean semantic;
        if (SEMANTIC_TYPES.contains(normalized)) semantic = true;
        else if (EXACT_TYPES.contains(normalized)) semantic = false;
        else throw new ConfigException(WHERE + "type '" + type + "' is not supported: use dynamodb or dynamodb-semantic");

        Double threshold = null;
        Object t = params.get("similarity_threshold");
        if (t != null) {
            if (!(t instanceof Number n) || !(n.doubleValue() > 0 && n.doubleValue() <= 1)) {
                throw new ConfigException(WHERE + "similarity_threshold must be a number in (0, 1]");
            }
            threshold = n.doubleValue();
        }

        Duration ttl = DEFAULT_TTL;
        Object ttlValue = params.get("ttl");
        if (ttlValue != null) {
            if (!(ttlValue instanceof Number n) || !(n.doubleValue() > 0)) {
                throw new ConfigException(WHERE + "ttl must be a positive number of seconds");
            }
            ttl = Duration.ofMillis(Math.round(n.doubleValue() * 1000));
        }

        String embeddingModel = string(params, "embedding_model");
        if (embeddingModel == null) embeddingModel = string(params, "redis_semantic_cache_embedding_model");
        if (embeddingModel == null) embeddingModel = string(params, "qdrant_semantic_cache_embedding_model");
        if (embeddingModel != null && embeddingModel.isBlank()) embeddingModel = null;

        String namespace = string(params, "namespace");
        if (namespace != null && namespace.isBlank()) namespace = null;

        String mode = string(params, "mode");
        boolean defaultOff;
        if (mode == null || mode.equals("default_on")) defaultOff = false;
        else if (mode.equals("default_off")) defaultOff = true;
        else throw new ConfigException(WHERE + "mode must be default_on or default_off");

        return new CacheSettings(true, semantic, threshold, ttl, embeddingModel, namespace, defaultOff, normalized);
    }

    private static String string(Map<?, ?> params, String name) {
        Object value = params.get(name);
        if (value == null) return null;
        if (!(value instanceof String s)) throw new ConfigException(WHERE + name + " must be a string");
        return s;
    }
}
