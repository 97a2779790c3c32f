package relay.core.access;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * What an instance remembers of the store for a short time, absent answers included (so an unknown
 * key costs one read per TTL, not one per request). Bounded: the least recently used entry goes first.
 */
final class TtlCache<K, V> {
    private record Held<V>(V value, Instant expires) {}

    private final Clock clock;
    private final Duration ttl;
    private final Map<K, Held<V>> entries;

    TtlCache(Clock clock, Duration ttl, int maxEntries) {
        this.clock = clock;
        this.ttl = ttl;
        this.entries = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Held<V>> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** The remembered value, else {@code load}'s (remembered for the TTL; a load that throws is not). */
    V get(K key, Function<K, V> load) {
        Instant now = clock.instant();
        synchronized (entries) {
            Held<V> entry = entries.get(key);
            if (entry != null && now.isBefore(entry.expires())) return entry.value();
        }
        V value = load.apply(key);
        if (!ttl.isZero()) {
            synchronized (entries) {
                entries.put(key, new Held<>(value, now.plus(ttl)));
            }
        }
        return value;
    }

    void forget(K key) {
        synchronized (entries) {
            entries.remove(key);
        }
    }
}
