package relay.core.cache;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import relay.core.wire.ChatCompletionResponse;

/**
 * The in-memory twin of the DynamoDB cache, with the same rules (TTL, {@code s-maxage}, scopes, the
 * {@link SemanticPolicy}) and an exact brute-force scan instead of the vector index: for tests of code
 * that uses a {@link ResponseCache}, and the reference the LSH index is measured against.
 */
public final class InMemoryResponseCache implements ResponseCache {
    private record Entry(CacheKey key, float[] vector, ChatCompletionResponse response, Instant storedAt, Instant expiresAt) {}

    private final Map<String, Entry> exact = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Entry>> scopes = new ConcurrentHashMap<>();
    private final SemanticPolicy policy;
    private final Clock clock;

    public InMemoryResponseCache(SemanticPolicy policy, Clock clock) {
        this.policy = policy;
        this.clock = clock;
    }

    @Override
    public Optional<CacheHit> lookup(CacheLookup query) {
        Instant now = clock.instant();
        Entry e = query.exact() ? exact.get(query.key().exact()) : null;
        if (e != null && usable(e, query, now)) {
            return Optional.of(new CacheHit(CacheHit.Kind.EXACT, e.response(), 1, e.storedAt()));
        }
        if (!query.semantic()) return Optional.empty();
        record Scored(Entry entry, double cosine) {}
        List<Scored> candidates = new ArrayList<>();
        for (Entry c : scopes.getOrDefault(query.key().scope(), Map.of()).values()) {
            if (!usable(c, query, now)) continue;
            double cosine = VectorCodec.cosine(query.vector(), c.vector());
            if (cosine >= policy.minCosine()) candidates.add(new Scored(c, cosine));
        }
        candidates.sort(Comparator.comparingDouble(Scored::cosine).reversed());
        for (Scored s : candidates.subList(0, Math.min(policy.maxJudged(), candidates.size()))) {
            double score = policy.score(query.key().semanticText(), s.entry().key().semanticText(), s.cosine());
            if (policy.accepts(score)) {
                return Optional.of(new CacheHit(CacheHit.Kind.SEMANTIC, s.entry().response(), s.cosine(), score, s.entry().storedAt()));
            }
        }
        return Optional.empty();
    }

    @Override
    public void store(CacheEntry entry) {
        Instant now = clock.instant();
        Entry e = new Entry(entry.key(), entry.vector(), entry.response(), now, now.plus(entry.ttl()));
        exact.put(entry.key().exact(), e);
        if (entry.semantic()) scopes.computeIfAbsent(entry.key().scope(), s -> new ConcurrentHashMap<>()).put(entry.key().exact(), e);
    }

    @Override
    public boolean delete(String exactKey) {
        Entry removed = exact.remove(exactKey);
        if (removed != null && removed.key().scope() != null) { // an exact-only entry has no scope
            scopes.getOrDefault(removed.key().scope(), Map.of()).remove(exactKey);
        }
        return removed != null;
    }

    @Override
    public void ping() {
        // always reachable
    }

    private static boolean usable(Entry e, CacheLookup query, Instant now) {
        return now.isBefore(e.expiresAt()) && (query.maxAge() == null || !e.storedAt().isBefore(now.minus(query.maxAge())));
    }
}
