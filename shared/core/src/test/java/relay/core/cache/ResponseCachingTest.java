package relay.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.RequestParser;
import relay.core.wire.Usage;

class ResponseCachingTest {
    private static final CacheSettings SEMANTIC =
            new CacheSettings(true, true, 0.9, Duration.ofHours(1), null, null, false, "dynamodb-semantic");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    /** Texts registered as paraphrases get vectors at cosine 0.95; any other text its SHA vector. */
    static final class FakeEmbedder implements Embedder {
        final Map<String, float[]> vectors = new HashMap<>();
        final AtomicInteger calls = new AtomicInteger();
        boolean fail;

        void paraphrase(String original, String paraphrase, double cosine) {
            float[] a = TestVectors.sha(original, 384);
            vectors.put(original, a);
            vectors.put(paraphrase, TestVectors.near(new Random(original.hashCode()), a, cosine));
        }

        @Override
        public float[] embed(String text) {
            calls.incrementAndGet();
            if (fail) throw new IllegalStateException("model not loaded");
            return vectors.getOrDefault(text, TestVectors.sha(text, 384));
        }

        @Override
        public int dimensions() { return 384; }

        @Override
        public String name() { return "fake-384"; }
    }

    private final FakeEmbedder embedder = new FakeEmbedder();
    private final InMemoryResponseCache cache = new InMemoryResponseCache(SemanticPolicy.cosine(0.9), CLOCK);
    private final ResponseCaching caching = new ResponseCaching(SEMANTIC, cache, embedder);

    private static ChatCompletionRequest chat(String question, String extra) {
        String json = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]" + extra + "}";
        return RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static ChatCompletionResponse answer(String text) {
        return Completions.response("chatcmpl-x", 1, "gpt-4o", text, Usage.of(5, 5));
    }

    @Test
    void aMissThenStore_thenTheSameRequest_isAnExactHit_withoutEmbedding() {
        var first = caching.begin(chat("What is DynamoDB?", ""));
        assertTrue(first.lookup().isEmpty());
        assertEquals(CacheStatus.MISS, first.status());
        first.store(answer("A database."));
        int embeddings = embedder.calls.get();

        var second = caching.begin(chat("What is DynamoDB?", ",\"stream\":true"));
        Optional<CacheHit> hit = second.lookup();

        assertEquals(CacheStatus.HIT_EXACT, second.status());
        assertEquals("A database.", hit.orElseThrow().response().choices().get(0).message().text());
        assertEquals(embeddings, embedder.calls.get(), "an exact hit embeds nothing");
    }

    @Test
    void aParaphrase_isASemanticHit() {
        embedder.paraphrase("What is DynamoDB?", "Explain DynamoDB", 0.95);
        var first = caching.begin(chat("What is DynamoDB?", ""));
        first.lookup();
        first.store(answer("A database."));

        var second = caching.begin(chat("Explain DynamoDB", ""));
        CacheHit hit = second.lookup().orElseThrow();

        assertEquals(CacheStatus.HIT_SEMANTIC, second.status());
        assertEquals(CacheHit.Kind.SEMANTIC, hit.kind());
        assertEquals(0.95, hit.similarity(), 0.001);
    }

    @Test
    void aParaphraseBelowTheThreshold_orWithOtherParameters_misses() {
        embedder.paraphrase("What is DynamoDB?", "Is DynamoDB a database?", 0.8);
        var first = caching.begin(chat("What is DynamoDB?", ""));
        first.store(answer("A database."));

        assertTrue(caching.begin(chat("Is DynamoDB a database?", "")).lookup().isEmpty());
        embedder.paraphrase("What is DynamoDB?", "Explain DynamoDB", 0.97);
        assertTrue(caching.begin(chat("Explain DynamoDB", ",\"temperature\":0")).lookup().isEmpty(), "another scope");
    }

    @Test
    void noCache_skipsTheLookup_reportsOff_andStillStores() {
        var first = caching.begin(chat("Q", ""));
        first.store(answer("A1"));

        var refresh = caching.begin(chat("Q", ",\"cache\":{\"no-cache\":true}"));
        assertTrue(refresh.lookup().isEmpty());
        assertEquals(CacheStatus.OFF, refresh.status());
        refresh.store(answer("A2"));

        assertEquals("A2", caching.begin(chat("Q", "")).lookup().orElseThrow().response().choices().get(0).message().text());
    }

    @Test
    void noStore_looksUpButDoesNotStore() {
        var ctx = caching.begin(chat("Q", ",\"cache\":{\"no-store\":true}"));
        assertFalse(ctx.storing(), "the gateway keeps no copy of a no-store stream");
        assertTrue(caching.begin(chat("Q", "")).storing());
        assertFalse(ResponseCaching.off().begin(chat("Q", "")).storing());
        assertTrue(ctx.lookup().isEmpty());
        assertEquals(CacheStatus.MISS, ctx.status());
        ctx.store(answer("A"));
        assertTrue(caching.begin(chat("Q", "")).lookup().isEmpty());
    }

    @Test
    void badControls_areA400_beforeAnythingElse() {
        RelayException e = assertThrows(RelayException.class, () -> caching.begin(chat("Q", ",\"cache\":{\"ttl\":\"soon\"}")));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals("cache.ttl", e.param());
    }

    @Test
    void mockResponse_andADisabledCache_areOff() {
        var mock = caching.begin(chat("Q", ",\"mock_response\":\"canned\""));
        assertTrue(mock.lookup().isEmpty());
        assertEquals(CacheStatus.OFF, mock.status());
        assertNull(mock.key());

        var off = ResponseCaching.off().begin(chat("Q", ""));
        assertTrue(off.lookup().isEmpty());
        off.store(answer("A"));
        assertEquals(CacheStatus.OFF, off.status());
    }

    @Test
    void aFailingEmbedder_makesTheRequestExactOnly() {
        embedder.fail = true;
        var first = caching.begin(chat("Q", ""));
        assertTrue(first.lookup().isEmpty());
        first.store(answer("A"));
        assertEquals(CacheStatus.HIT_EXACT, caching.begin(chat("Q", "")).lookup().orElseThrow().status());
    }

    @Test
    void aRequestTtl_andSMaxAge_areHonoured() {
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        MovingClock clock = new MovingClock(start);
        ResponseCaching timed = new ResponseCaching(SEMANTIC, new InMemoryResponseCache(SemanticPolicy.cosine(0.9), clock), embedder);
        timed.begin(chat("Q", ",\"cache\":{\"ttl\":60}")).store(answer("A"));

        clock.now = start.plusSeconds(30);
        assertTrue(timed.begin(chat("Q", "")).lookup().isPresent());
        assertTrue(timed.begin(chat("Q", ",\"cache\":{\"s-maxage\":10}")).lookup().isEmpty(), "older than 10 s");
        clock.now = start.plusSeconds(61);
        assertTrue(timed.begin(chat("Q", "")).lookup().isEmpty(), "expired");
    }

    @Test
    void aFailingJudge_isAMiss_notAnError() {
        InMemoryResponseCache judged = new InMemoryResponseCache(SemanticPolicy.judged(0.5, 0.8, 3,
                (prompt, cached, cosine) -> { throw new IllegalStateException("judge down"); }), CLOCK);
        ResponseCaching c = new ResponseCaching(SEMANTIC, judged, embedder);
        embedder.paraphrase("What is DynamoDB?", "Explain DynamoDB", 0.95);
        c.begin(chat("What is DynamoDB?", "")).store(answer("A"));
        assertTrue(c.begin(chat("Explain DynamoDB", "")).lookup().isEmpty());
    }

    @Test
    void defaultOff_cachesOnlyRequestsThatOptIn() {
        CacheSettings optIn = new CacheSettings(true, false, 0.9, Duration.ofHours(1), null, null, true, "dynamodb");
        ResponseCaching c = new ResponseCaching(optIn, cache, null);
        var plain = c.begin(chat("Q", ""));
        plain.store(answer("A"));
        assertFalse(c.begin(chat("Q", ",\"cache\":{\"use-cache\":true}")).lookup().isPresent());
        c.begin(chat("Q", ",\"cache\":{\"use-cache\":true}")).store(answer("A"));
        assertTrue(c.begin(chat("Q", ",\"cache\":{\"use-cache\":true}")).lookup().isPresent());
    }

    static final class MovingClock extends Clock {
        volatile Instant now;

        MovingClock(Instant now) { this.now = now; }

        @Override public Instant instant() { return now; }

        @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }

        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    }
}
