package relay.core.cache;

import java.time.Duration;
import relay.core.wire.ChatCompletionResponse;

/**
 * An answer to store under its request's keys.
 *
 * @param vector the embedding of {@link CacheKey#semanticText()}; null to store for exact lookups only
 * @param ttl how long the entry lives
 */
public record CacheEntry(CacheKey key, float[] vector, ChatCompletionResponse response, Duration ttl) {

    /** Whether the entry is also stored for semantic lookups. */
    public boolean semantic() {
        return vector != null && key.semantic();
    }

    public static CacheEntry exact(CacheKey key, ChatCompletionResponse response, Duration ttl) {
        return new CacheEntry(key, null, response, ttl);
    }
}
