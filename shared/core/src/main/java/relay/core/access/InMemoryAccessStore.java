package relay.core.access;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The {@link AccessStore} in one process's memory: for tests, and a local server without DynamoDB. Every call is atomic. */
public final class InMemoryAccessStore implements AccessStore {
    private final Map<Kind, TreeMap<String, Stored>> definitions = new HashMap<>();
    private final Map<String, Map<String, BigDecimal>> counters = new HashMap<>();

    @Override
    public synchronized Optional<Stored> find(Kind kind, String id) {
        return Optional.ofNullable(of(kind).get(id));
    }

    @Override
    public synchronized boolean put(Kind kind, String id, String document, long expectedVersion) {
        Stored current = of(kind).get(id);
        long version = current == null ? 0 : current.version();
        if (version != expectedVersion) return false;
        of(kind).put(id, new Stored(document, expectedVersion + 1));
        return true;
    }

    @Override
    public synchronized boolean replace(Kind kind, String oldId, long oldVersion, String newId, String document) {
        Stored old = of(kind).get(oldId);
        if (old == null || old.version() != oldVersion || of(kind).containsKey(newId)) return false;
        of(kind).remove(oldId);
        of(kind).put(newId, new Stored(document, 1));
        return true;
    }

    @Override
    public synchronized boolean delete(Kind kind, String id) {
        return of(kind).remove(id) != null;
    }

    @Override
    public synchronized List<Stored> all(Kind kind) {
        return new ArrayList<>(of(kind).values());
    }

    @Override
    public synchronized CounterResult update(String counterId, CounterUpdate update) {
        Map<String, BigDecimal> before = Map.copyOf(counters.getOrDefault(counterId, Map.of()));
        if (!update.holds(before)) return new CounterResult(false, before);
        counters.put(counterId, update.applyTo(before));
        return new CounterResult(true, before);
    }

    @Override
    public synchronized Map<String, BigDecimal> counters(String counterId) {
        return Map.copyOf(counters.getOrDefault(counterId, Map.of()));
    }

    @Override
    public synchronized void deleteCounters(String counterId) {
        counters.remove(counterId);
    }

    private TreeMap<String, Stored> of(Kind kind) {
        return definitions.computeIfAbsent(kind, k -> new TreeMap<>());
    }
}
