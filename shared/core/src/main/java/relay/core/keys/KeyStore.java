package relay.core.keys;

import java.util.Optional;

/**
 * Where provider keys and the master key live: one Secrets Manager secret's JSON fields on AWS,
 * environment variables locally. Implementations cache; lookups are cheap.
 */
public interface KeyStore {
    /** The prefix LiteLLM's config uses for a reference to a key, as in {@code os.environ/OPENAI_API_KEY}. */
    String REFERENCE_PREFIX = "os.environ/";

    Optional<String> find(String name);

    /**
     * A config value made concrete: {@code os.environ/NAME} is looked up here, anything else is the
     * value itself; null or blank gives empty.
     */
    default Optional<String> resolve(String configValue) {
        if (configValue == null || configValue.isBlank()) return Optional.empty();
        if (configValue.startsWith(REFERENCE_PREFIX)) {
            return find(configValue.substring(REFERENCE_PREFIX.length())).filter(v -> !v.isBlank());
        }
        return Optional.of(configValue);
    }
}
