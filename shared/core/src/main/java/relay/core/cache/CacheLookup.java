package relay.core.cache;

import java.time.Duration;

/**
 * One lookup: by the exact key, and/or (given a vector of {@link CacheKey#semanticText()}) by a
 * similar prompt in the key's scope. The exact key is tried first when both are asked.
 *
 * @param exact whether to try the exact key
 * @param vector the embedding of the semantic text; null for no semantic part
 * @param maxAge accept only entries younger than this ({@code s-maxage}); null = any unexpired entry
 */
public record CacheLookup(CacheKey key, boolean exact, float[] vector, Duration maxAge) {

    /** Exact key first, then (when {@code vector} is given and the request has a scope) similar prompts. */
    public CacheLookup(CacheKey key, float[] vector, Duration maxAge) {
        this(key, true, vector, maxAge);
    }

    public static CacheLookup exact(CacheKey key, Duration maxAge) {
        return new CacheLookup(key, true, null, maxAge);
    }

    /** Similar prompts only: for a caller that has already missed the exact key. */
    public static CacheLookup similar(CacheKey key, float[] vector, Duration maxAge) {
        return new CacheLookup(key, false, vector, maxAge);
    }

    /** Whether the semantic part runs: the request has a scope and a vector. */
    public boolean semantic() {
        return vector != null && key.semantic();
    }
}
