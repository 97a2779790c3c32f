package relay.core.cache;

import java.util.Optional;

/**
 * Stores chat answers and finds them again, by exact key and by a similar prompt in the same scope.
 * Neither method ever throws: a failing store is logged, a lookup then is a miss and a store is skipped,
 * so the cache can only make a request faster, never fail it.
 */
public interface ResponseCache {

    Optional<CacheHit> lookup(CacheLookup query);

    void store(CacheEntry entry);

    /**
     * Removes the answer stored under {@code exactKey} (as {@code x-relay-cache-key} names it), so neither
     * an exact nor a semantic lookup returns it again; true if there was one. Unlike lookup and store it
     * may throw: an operator asked for it, and a failure is news to them.
     */
    boolean delete(String exactKey);

    /** Reads from the store once, for {@code GET /cache/ping}; throws when it cannot be reached. */
    void ping();

    /** A cache that holds nothing. */
    ResponseCache NONE = new ResponseCache() {
        @Override
        public Optional<CacheHit> lookup(CacheLookup query) {
            return Optional.empty();
        }

        @Override
        public void store(CacheEntry entry) {}

        @Override
        public boolean delete(String exactKey) {
            return false;
        }

        @Override
        public void ping() {
            throw new IllegalStateException("no response cache table is configured");
        }
    };
}
