package relay.core.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import relay.core.Json;

class InMemoryResponseStoreTest {
    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    static StoredResponse response(String id, String text, Instant expires) {
        return new StoredResponse(id, null, Json.object().put("id", id).put("text", text), Json.MAPPER.createArrayNode(), expires);
    }

    @Test
    void expiredResponsesAreGone() {
        AtomicReference<Instant> now = new AtomicReference<>(NOW);
        Clock clock = new Clock() {
            public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId zone) { return this; }
            public Instant instant() { return now.get(); }
        };
        var store = new InMemoryResponseStore(clock, 10);
        store.put(response("resp_1", "x", NOW.plus(Duration.ofMinutes(1))));
        assertTrue(store.get("resp_1").isPresent());
        now.set(NOW.plus(Duration.ofMinutes(1)));
        assertFalse(store.get("resp_1").isPresent());
    }

    @Test
    void theLeastRecentlyUsedGoFirst_beyondTheEntryAndSizeBounds() {
        var store = new InMemoryResponseStore(Clock.fixed(NOW, ZoneOffset.UTC), 2);
        Instant later = NOW.plusSeconds(60);
        store.put(response("a", "x", later));
        store.put(response("b", "x", later));
        store.get("a");
        store.put(response("c", "x", later));
        assertTrue(store.get("a").isPresent());
        assertFalse(store.get("b").isPresent());

        var small = new InMemoryResponseStore(Clock.fixed(NOW, ZoneOffset.UTC), 100, 100);
        small.put(response("big1", "y".repeat(60), later));
        small.put(response("big2", "y".repeat(60), later));
        assertFalse(small.get("big1").isPresent());
        assertTrue(small.get("big2").isPresent());
        assertTrue(small.delete("big2"));
        assertEquals(false, small.delete("big2"));
    }
}
