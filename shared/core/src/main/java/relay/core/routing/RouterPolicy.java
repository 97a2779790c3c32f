package relay.core.routing;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import relay.core.config.ConfigException;
import relay.core.config.RelayConfig;

/**
 * How the router behaves, read once from config ({@code router_settings}, falling back to the same
 * names in {@code litellm_settings}, as LiteLLM accepts both).
 *
 * @param numRetries    retries of one deployment for a retryable failure, before moving on
 * @param allowedFails  failures within a minute that cool a deployment down
 * @param cooldown      how long a cooled-down deployment is skipped
 * @param fallbacks     group -> groups to try when it fails ({@code "*"}: any group)
 */
public record RouterPolicy(
        Strategy strategy,
        int numRetries,
        int allowedFails,
        Duration cooldown,
        Duration backoffBase,
        Duration backoffMax,
        Map<String, List<String>> fallbacks,
        Map<String, List<String>> contextWindowFallbacks,
        Map<String, List<String>> contentPolicyFallbacks) {

    public static final int DEFAULT_NUM_RETRIES = 2;
    public static final int DEFAULT_ALLOWED_FAILS = 3;
    public static final Duration DEFAULT_COOLDOWN = Duration.ofSeconds(5);

    /** {@code routing_strategy}: how a group's deployments are ordered for a request. */
    public enum Strategy {
        SIMPLE_SHUFFLE("simple-shuffle"), LEAST_BUSY("least-busy"), LATENCY_BASED("latency-based-routing");

        private final String configName;

        Strategy(String configName) {
            this.configName = configName;
        }

        static Strategy parse(String name) {
            if (name == null || name.isBlank()) return SIMPLE_SHUFFLE;
            for (Strategy s : values()) {
                if (s.configName.equals(name.toLowerCase(Locale.ROOT))) return s;
            }
            throw new ConfigException("router_settings.routing_strategy", "'" + name
                    + "' is not supported; use simple-shuffle, least-busy or latency-based-routing");
        }
    }

    public static RouterPolicy from(RelayConfig config) {
        var router = config.routerSettings();
        var litellm = config.litellmSettings();
        Map<String, List<String>> fallbacks = merge(router.fallbacks() != null ? router.fallbacks() : litellm.fallbacks());
        List<String> defaults = router.defaultFallbacks() != null ? router.defaultFallbacks() : litellm.defaultFallbacks();
        if (defaults != null && !defaults.isEmpty()) fallbacks.putIfAbsent("*", List.copyOf(defaults));
        Integer retries = router.numRetries() != null ? router.numRetries() : litellm.numRetries();
        int allowedFails = router.allowedFails() == null ? DEFAULT_ALLOWED_FAILS : router.allowedFails();
        if (allowedFails < 1) throw new ConfigException("router_settings.allowed_fails", "must be at least 1");
        if (retries != null && retries < 0) {
            throw new ConfigException((router.numRetries() != null ? "router_settings" : "litellm_settings") + ".num_retries",
                    "must not be negative");
        }
        return new RouterPolicy(
                Strategy.parse(router.routingStrategy()),
                retries == null ? DEFAULT_NUM_RETRIES : retries,
                allowedFails,
                router.cooldownTime() == null ? DEFAULT_COOLDOWN : Duration.ofMillis((long) (router.cooldownTime() * 1000)),
                Duration.ofMillis(250),
                Duration.ofSeconds(8),
                Map.copyOf(fallbacks),
                Map.copyOf(merge(router.contextWindowFallbacks() != null ? router.contextWindowFallbacks() : litellm.contextWindowFallbacks())),
                Map.copyOf(merge(router.contentPolicyFallbacks() != null ? router.contentPolicyFallbacks() : litellm.contentPolicyFallbacks())));
    }

    /** LiteLLM's list of one-entry maps, as one map. */
    private static Map<String, List<String>> merge(List<Map<String, List<String>>> entries) {
        Map<String, List<String>> merged = new HashMap<>();
        if (entries != null) {
            for (Map<String, List<String>> entry : entries) {
                if (entry == null) continue;
                entry.forEach((group, targets) -> merged.put(group, targets == null ? List.of() : List.copyOf(targets)));
            }
        }
        return merged;
    }
}
