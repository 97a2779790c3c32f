package relay.core.responses;

import java.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import relay.core.Json;

/**
 * Responses in this process's memory, bounded by a number of entries and by their total size, the
 * least recently used forgotten first: for tests and a single process. A Lambda's instances do not
 * share it; there the store must be a table.
 */
public final class InMemoryResponseStore implements ResponseStore {
    private record Entry(StoredResponse response, long chars) {}

    private final Clock clock;
    private final int maxEntries;
    private final long maxChars;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long chars;

    /** @param maxChars the most JSON characters (responses and their conversations) kept in all */
    public InMemoryResponseStore(Clock clock, int maxEntries, long maxChars) {
        this.clock = clock;
        this.maxEntries = maxEntries;
        this.maxChars = maxChars;
    }

    public InMemoryResponseStore(Clock clock, int maxEntries) {
        this(clock, maxEntries, Long.MAX_VALUE);
    }

    @Override
    public synchronized void put(StoredResponse response) {
        long size = Json.write(response.response()).length() + Json.write(response.input()).length();
        Entry old = entries.put(response.id(), new Entry(response, size));
        chars += size - (old == null ? 0 : old.chars());
        Iterator<Map.Entry<String, Entry>> eldest = entries.entrySet().iterator();
        while ((entries.size() > maxEntries || chars > maxChars) && eldest.hasNext()) {
            chars -= eldest.next().getValue().chars();
            eldest.remove();
        }
    }

    @Override
    public synchronized Optional<StoredResponse> get(String id) {
        Entry found = entries.get(id);
        if (found == null) return Optional.empty();
        if (!found.response().expiresAt().isAfter(clock.instant())) {
            delete(id);
            return Optional.empty();
        }
        return Optional.of(found.response());
    }

    @Override
    public synchronized boolean delete(String id) {
        Entry removed = entries.remove(id);
        if (removed != null) chars -= removed.chars();
        return removed != null;
    }
}
