package relay.core.cache;

import java.time.Duration;

/**
 * One lookup: the exact key, and for a semantic lookup the request's vector of {@link CacheKey#semanticText()}.
 *
 * @param vector the embedding of the semantic text; null for an exact-only lookup
 * @param maxAge accept only entries younger than this ({@code s-maxage}); null = any unexpired entry
 */
public record CacheLookup(CacheKey key, float[] vector, Duration maxAge) {

    public static CacheLookup exact(CacheKey key, Duration maxAge) {
        return new CacheLookup(key, null, maxAge);
    }

    /** Whether the semantic part runs: the request has a scope and a vector. */
    public boolean semantic() {
        return vector != null && key.semantic();
    }
}
