package relay.aws.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.aws.AwsClients;
import relay.core.cache.CacheEntry;
import relay.core.cache.CacheHit;
import relay.core.cache.CacheKey;
import relay.core.cache.CacheLookup;
import relay.core.cache.LshIndex;
import relay.core.cache.SemanticPolicy;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.RequestParser;
import relay.core.wire.Usage;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbResponseCacheTest {
    private static final String TABLE = "relay-response-cache";
    private static final String EMBEDDER = "fake-384";
    private static final int DIMENSIONS = 384;
    private static final Duration HOUR = Duration.ofHours(1);
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAFAKEFAKEFAKE", "fake-secret-access-key"));
    private static final AtomicInteger MODELS = new AtomicInteger();

    private static EmbeddedDynamoDb db;
    private static DynamoDbClient client;

    /** Far enough in the future that the embedded server's TTL sweeper (real time) never deletes what a test stores. */
    private final MutableClock clock = new MutableClock(Instant.now().plus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    private final DynamoDbResponseCache cache = DynamoDbResponseCache.builder(client, TABLE).clock(clock).build();
    /** Each test its own model group, so no test sees another's entries. */
    private final String model = "model-" + MODELS.incrementAndGet();

    @BeforeAll
    static void startDatabase() {
        db = EmbeddedDynamoDb.start();
        client = AwsClients.dynamoDb(Region.US_EAST_1, CREDENTIALS, db.endpoint());
        client.createTable(ResponseCacheTable.createRequest(TABLE));
        client.updateTimeToLive(ResponseCacheTable.timeToLiveRequest(TABLE));
    }

    @AfterAll
    static void stopDatabase() {
        if (client != null) client.close();
        if (db != null) db.close();
    }

    private ChatCompletionRequest chat(String question, String extra) {
        String json = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"" + question + "\"}]" + extra + "}";
        return RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
    }

    private CacheKey key(String question, String extra) {
        return CacheKey.of(chat(question, extra), null, EMBEDDER);
    }

    private static ChatCompletionResponse answer(String text) {
        return Completions.response("chatcmpl-" + text.hashCode(), 1_700_000_000, "openai/gpt-4o", text, Usage.of(10, 5));
    }

    private void storeSemantic(String question, float[] vector, String text, Duration ttl) {
        cache.store(new CacheEntry(key(question, ""), vector, answer(text), ttl));
    }

    private String text(Optional<CacheHit> hit) {
        return hit.orElseThrow().response().choices().get(0).message().text();
    }

    @Test
    void exactRoundTrip_returnsTheStoredAnswerWhole() {
        CacheKey key = key("What is DynamoDB?", "");
        ChatCompletionResponse stored = answer("A key-value and document database.");

        cache.store(CacheEntry.exact(key, stored, HOUR));
        Optional<CacheHit> hit = cache.lookup(CacheLookup.exact(key, null));

        assertEquals(CacheHit.Kind.EXACT, hit.orElseThrow().kind());
        assertEquals(stored, hit.get().response());
        assertEquals(1.0, hit.get().similarity());
        assertEquals(clock.instant(), hit.get().storedAt());
    }

    @Test
    void otherParameters_haveOtherKeys_andMissTheEntry() {
        cache.store(CacheEntry.exact(key("Q", ",\"temperature\":0.2"), answer("cold"), HOUR));

        assertTrue(cache.lookup(CacheLookup.exact(key("Q", ",\"temperature\":0.7"), null)).isEmpty());
        assertTrue(cache.lookup(CacheLookup.exact(key("Q", ",\"temperature\":0.2,\"max_tokens\":5"), null)).isEmpty());
        assertTrue(cache.lookup(CacheLookup.exact(key("Q", ""), null)).isEmpty());
        assertEquals("cold", text(cache.lookup(CacheLookup.exact(key("Q", ",\"temperature\":0.2"), null))));
    }

    @Test
    void streamUserAndMetadata_readTheSameEntry() {
        cache.store(CacheEntry.exact(key("Q", ""), answer("A"), HOUR));

        for (String extra : List.of(",\"stream\":true,\"stream_options\":{\"include_usage\":true}", ",\"user\":\"u-1\"",
                ",\"metadata\":{\"trace\":\"t\"}", ",\"cache\":{\"s-maxage\":100}")) {
            assertEquals("A", text(cache.lookup(CacheLookup.exact(key("Q", extra), null))), extra);
        }
    }

    @Test
    void aNearDuplicateVector_inTheSameScope_isASemanticHit_afterOneQueryPerBand() {
        float[] stored = sha("What is DynamoDB?");
        storeSemantic("What is DynamoDB?", stored, "A database.", HOUR);
        float[] paraphrase = near(new Random(1), stored, 0.95);

        var result = cache.lookupWithStats(new CacheLookup(key("Explain DynamoDB", ""), paraphrase, null));

        CacheHit hit = result.hit().orElseThrow();
        assertEquals(CacheHit.Kind.SEMANTIC, hit.kind());
        assertEquals("A database.", hit.response().choices().get(0).message().text());
        assertEquals(0.95, hit.similarity(), 0.005, "cosine over the int8 vector");
        assertEquals(16, result.queries());
        assertEquals(2, result.entriesRead(), "the exact key, then the best candidate's entry");
    }

    @Test
    void aFullBucket_isReadAgainInItsFinerBucket_soAnOldEntryOfALargeScopeIsStillFound() {
        // 2 bits a band: 4 buckets of ~30 entries each for 120 entries, over the 16 a Query may return, so
        // only the newest 16 of a bucket come back; the finer buckets (4 bits) hold ~8.
        var small = DynamoDbResponseCache.builder(client, TABLE).clock(clock).lsh(16, 2, LshIndex.DEFAULT_SEED)
                .maxItemsPerBand(16).policy(SemanticPolicy.cosine(0.9)).build();
        float[] oldest = sha("the first question");
        small.store(new CacheEntry(key("the first question", ""), oldest, answer("the first answer"), HOUR));
        for (int i = 0; i < 120; i++) {
            clock.advance(Duration.ofMillis(1)); // newer than the first
            small.store(new CacheEntry(key("filler " + i, ""), sha("filler " + i), answer("filler " + i), HOUR));
        }

        var result = small.lookupWithStats(CacheLookup.similar(key("the first question, again", ""), near(new Random(5), oldest, 0.97), null));

        assertEquals("the first answer", text(result.hit()));
        assertTrue(result.queries() > 16, "full buckets were read again finer: " + result.queries() + " queries");

        // A scope of a few entries never reads the finer buckets.
        var few = small.lookupWithStats(CacheLookup.similar(key("elsewhere", ",\"seed\":1"), oldest, null));
        assertEquals(16, few.queries());
    }

    @Test
    void theSameVector_inAnotherScope_isNoHit() {
        float[] v = sha("What is DynamoDB?");
        storeSemantic("What is DynamoDB?", v, "A database.", HOUR);

        CacheKey otherSystemPrompt = CacheKey.of(RequestParser.chat(RequestParser.parseObject(("{\"model\":\"" + model
                + "\",\"messages\":[{\"role\":\"system\",\"content\":\"Be verbose.\"},{\"role\":\"user\",\"content\":\"Explain DynamoDB\"}]}")
                .getBytes(StandardCharsets.UTF_8))), null, EMBEDDER);
        assertTrue(cache.lookup(new CacheLookup(otherSystemPrompt, v, null)).isEmpty());
        assertTrue(cache.lookup(new CacheLookup(key("Explain DynamoDB", ",\"seed\":7"), v, null)).isEmpty(), "other params");
        assertTrue(cache.lookup(new CacheLookup(key("Explain DynamoDB", ""), v, null)).isPresent(), "the same scope does hit");
    }

    @Test
    void unrelatedPrompts_withTheMockProvidersVectors_neverHit() {
        for (int i = 0; i < 40; i++) storeSemantic("question " + i, sha("question " + i), "answer " + i, HOUR);

        for (int i = 0; i < 20; i++) {
            var result = cache.lookupWithStats(new CacheLookup(key("other question " + i, ""), sha("other question " + i), null));
            assertTrue(result.hit().isEmpty());
            assertEquals(0, result.candidates(), "nothing near 0.9");
        }
        assertEquals("answer 3", text(cache.lookup(new CacheLookup(key("question 3 again", ""), sha("question 3"), null))));
    }

    @Test
    void anExpiredEntry_isIgnored_beforeDynamoDbDeletesIt() {
        float[] v = sha("Q");
        storeSemantic("Q", v, "A", Duration.ofSeconds(60));
        clock.advance(Duration.ofSeconds(59));
        assertTrue(cache.lookup(CacheLookup.exact(key("Q", ""), null)).isPresent());

        clock.advance(Duration.ofSeconds(2));

        assertTrue(cache.lookup(CacheLookup.exact(key("Q", ""), null)).isEmpty(), "exact");
        assertTrue(cache.lookup(new CacheLookup(key("Q, rephrased", ""), v, null)).isEmpty(), "semantic");
        assertFalse(client.getItem(b -> b.tableName(TABLE).key(entryKey(key("Q", "")))).item().isEmpty(),
                "the item is still in the table");
    }

    @Test
    void sMaxAge_acceptsOnlyYoungerEntries_exactAndSemantic() {
        float[] v = sha("Q");
        storeSemantic("Q", v, "A", HOUR);
        clock.advance(Duration.ofSeconds(30));

        assertTrue(cache.lookup(CacheLookup.exact(key("Q", ""), Duration.ofSeconds(10))).isEmpty());
        assertTrue(cache.lookup(new CacheLookup(key("Q2", ""), v, Duration.ofSeconds(10))).isEmpty());
        assertTrue(cache.lookup(CacheLookup.exact(key("Q", ""), Duration.ofSeconds(60))).isPresent());
        assertEquals(CacheHit.Kind.SEMANTIC, cache.lookup(new CacheLookup(key("Q2", ""), v, Duration.ofSeconds(60))).orElseThrow().kind());
    }

    @Test
    void vectorsAreStoredAsCompactBinary_andTheAnswerOnlyInTheEntry() {
        float[] v = sha("Q");
        storeSemantic("Q", v, "A", HOUR);

        var bands = client.scan(b -> b.tableName(TABLE)).items().stream()
                .filter(i -> i.get("pk").s().startsWith("s#" + key("Q", "").scope())).toList();
        assertEquals(16, bands.size(), "one item per band");
        for (Map<String, AttributeValue> band : bands) {
            AttributeValue vector = band.get("v");
            assertNotNull(vector.b(), "binary");
            assertEquals(5 + DIMENSIONS, vector.b().asByteArray().length, "int8: a byte a dimension and a header");
            assertEquals(1, vector.b().asByteArray()[0]);
            assertEquals(java.util.Set.of("pk", "sk", "v", "expires_at"), band.keySet());
            assertTrue(band.get("sk").s().endsWith("#" + key("Q", "").exact()));
        }
        Map<String, AttributeValue> entry = client.getItem(b -> b.tableName(TABLE).key(entryKey(key("Q", "")))).item();
        assertEquals("Q", entry.get("prompt").s());
        assertTrue(entry.get("response").s().contains("\"content\":\"A\""));
        assertEquals(Long.toString(clock.instant().plus(HOUR).getEpochSecond()), entry.get("expires_at").n());
    }

    @Test
    void aLargeAnswer_isStoredCompressed_andReadBackWhole() {
        String text = "word ".repeat(5000);
        CacheKey key = key("long", "");

        cache.store(CacheEntry.exact(key, answer(text), HOUR));

        Map<String, AttributeValue> entry = client.getItem(b -> b.tableName(TABLE).key(entryKey(key))).item();
        assertNull(entry.get("response"));
        assertTrue(entry.get("response_gz").b().asByteArray().length < 2_000);
        assertEquals(text, text(cache.lookup(CacheLookup.exact(key, null))));
    }

    @Test
    void anAnswerTooLargeForAnItem_isNotStored_andNothingThrows() {
        StringBuilder noise = new StringBuilder();
        Random random = new Random(3);
        while (noise.length() < 700_000) noise.append(Long.toString(random.nextLong(), 36));
        CacheKey key = key("huge", "");

        String stderr = capturingStderr(() -> cache.store(new CacheEntry(key, sha("huge"), answer(noise.toString()), HOUR)));

        assertTrue(stderr.contains("response_cache_entry_too_large"), stderr);
        assertTrue(cache.lookup(CacheLookup.exact(key, null)).isEmpty());
    }

    @Test
    void aMissingTable_isAMiss_andAStoreIsSkipped_withoutAnException() {
        var missing = DynamoDbResponseCache.builder(client, "no-such-table").clock(clock).build();
        CacheKey key = key("Q", "");

        String stderr = capturingStderr(() -> {
            assertTrue(missing.lookup(new CacheLookup(key, sha("Q"), null)).isEmpty());
        });
        assertTrue(stderr.contains("response_cache_lookup_failed"), stderr);
        assertTrue(stderr.contains("ResourceNotFoundException"), stderr);
        capturingStderr(() -> missing.store(new CacheEntry(key, sha("Q"), answer("A"), HOUR)));
    }

    @Test
    void afterFailuresInARow_theTableIsLeftAloneForAPause() {
        String table = "cache-created-later-" + model;
        var later = DynamoDbResponseCache.builder(client, table).clock(clock).build();
        CacheKey key = key("Q", "");
        for (int i = 0; i < DynamoDbResponseCache.FAILURES_BEFORE_PAUSE; i++) {
            capturingStderr(() -> later.lookup(CacheLookup.exact(key, null))); // fails: no table yet
        }
        client.createTable(ResponseCacheTable.createRequest(table));

        later.store(CacheEntry.exact(key, answer("A"), HOUR));
        assertTrue(client.getItem(b -> b.tableName(table).key(entryKey(key))).item().isEmpty(), "skipped during the pause");

        clock.advance(Duration.ofSeconds(11));
        later.store(CacheEntry.exact(key, answer("A"), HOUR));
        assertEquals("A", text(later.lookup(CacheLookup.exact(key, null))));
    }

    @Test
    void aSingleFailure_doesNotSwitchTheCacheOff_forEveryoneElse() {
        String table = "cache-flaky-" + model;
        var flaky = DynamoDbResponseCache.builder(client, table).clock(clock).build();
        CacheKey key = key("Q", "");
        capturingStderr(() -> flaky.lookup(CacheLookup.exact(key, null))); // one failure (no table yet), as a slow call under load
        client.createTable(ResponseCacheTable.createRequest(table));

        flaky.store(CacheEntry.exact(key, answer("A"), HOUR));

        assertEquals("A", text(flaky.lookup(CacheLookup.exact(key, null))), "no pause after one failure");
    }

    @Test
    void anUnreachableTable_isAMissWithinTheLookupTimeout() {
        URI endpoint;
        try (EmbeddedDynamoDb closed = EmbeddedDynamoDb.start()) {
            endpoint = closed.endpoint();
        }
        try (DynamoDbClient unreachable = AwsClients.dynamoDb(Region.US_EAST_1, CREDENTIALS, endpoint)) {
            var down = DynamoDbResponseCache.builder(unreachable, TABLE).clock(clock).lookupTimeout(Duration.ofMillis(500)).build();
            long started = System.nanoTime();
            String stderr = capturingStderr(() -> assertTrue(down.lookup(new CacheLookup(key("Q", ""), sha("Q"), null)).isEmpty()));
            assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(30)) < 0, "a miss, not a hang");
            assertTrue(stderr.contains("response_cache_lookup_failed"), stderr);
        }
    }

    @Test
    void aPluggedInJudge_seesBothPrompts_andDecides() {
        AtomicReference<String> judged = new AtomicReference<>();
        var judgedCache = DynamoDbResponseCache.builder(client, TABLE).clock(clock)
                .policy(SemanticPolicy.judged(0.8, 3, (prompt, cached) -> {
                    judged.set(prompt + " | " + cached);
                    return !prompt.contains("not");
                }))
                .build();
        float[] v = sha("Is DynamoDB serverless?");
        judgedCache.store(new CacheEntry(key("Is DynamoDB serverless?", ""), v, answer("Yes."), HOUR));

        assertTrue(judgedCache.lookup(new CacheLookup(key("Is DynamoDB not serverless?", ""), near(new Random(2), v, 0.97), null)).isEmpty());
        assertEquals("Is DynamoDB not serverless? | Is DynamoDB serverless?", judged.get());
        CacheHit hit = judgedCache.lookup(new CacheLookup(key("Is DynamoDB a serverless database?", ""), near(new Random(3), v, 0.85), null)).orElseThrow();
        assertEquals(CacheHit.Kind.SEMANTIC, hit.kind());
        assertEquals(0.85, hit.similarity(), 0.005);
    }

    @Test
    void whenTheJudgeRejectsTheNearest_theNextCandidateIsJudged() {
        var judgedCache = DynamoDbResponseCache.builder(client, TABLE).clock(clock)
                .policy(SemanticPolicy.judged(0.8, 3, (prompt, cached) -> cached.startsWith("ok")))
                .build();
        float[] base = sha("base");
        judgedCache.store(new CacheEntry(key("bad nearest", ""), near(new Random(4), base, 0.98), answer("wrong"), HOUR));
        judgedCache.store(new CacheEntry(key("ok second", ""), near(new Random(5), base, 0.9), answer("right"), HOUR));

        var result = judgedCache.lookupWithStats(new CacheLookup(key("query", ""), base, null));

        assertEquals("right", text(result.hit()));
        assertEquals(2, result.candidates());
    }

    @Test
    void storingTheSameRequestAgain_keepsOneCandidate() {
        float[] v = sha("Q");
        storeSemantic("Q", v, "A1", HOUR);
        clock.advance(Duration.ofSeconds(1));
        storeSemantic("Q", v, "A2", HOUR);

        var result = cache.lookupWithStats(CacheLookup.similar(key("Q again", ""), v, null));

        assertEquals("A2", text(result.hit()));
        assertEquals(1, result.candidates());
    }

    @Test
    void aCenteredIndex_findsNearVectors_andAnotherIndexDoesNot() {
        float[] v = sha("Centered?");
        float[] center = near(new Random(8), v, 0.5); // an embedder's mean: leaning towards the stored prompt
        var centered = DynamoDbResponseCache.builder(client, TABLE).clock(clock).policy(SemanticPolicy.cosine(0.85))
                .lshCenter(center).build();
        assertTrue(centered.index(v.length).centered());
        assertEquals(LshIndex.centeredBitsPerBand(0.85), centered.index(v.length).bitsPerBand());
        centered.store(new CacheEntry(key("Centered?", ""), v, answer("Yes, centered."), HOUR));

        assertEquals("Yes, centered.", text(centered.lookup(CacheLookup.similar(key("Centered, really?", ""),
                near(new Random(9), v, 0.97), null))));
        assertTrue(cache.lookupWithStats(CacheLookup.similar(key("Centered, really?", ""), near(new Random(9), v, 0.97), null))
                .hit().isEmpty(), "an index at the origin looks in other buckets (entries expire by TTL after such a change)");
    }

    @Test
    void aDeletedEntry_answersNeitherExactNorSimilarLookups() {
        float[] v = sha("Is the sky blue?");
        storeSemantic("Is the sky blue?", v, "Yes.", HOUR);
        CacheKey key = key("Is the sky blue?", "");
        assertTrue(cache.lookup(CacheLookup.exact(key, null)).isPresent());

        assertTrue(cache.delete(key.exact()));

        assertTrue(cache.lookup(CacheLookup.exact(key, null)).isEmpty());
        var similar = cache.lookupWithStats(CacheLookup.similar(key("Is the sky really blue?", ""), v, null));
        assertTrue(similar.hit().isEmpty());
        assertEquals(0, similar.itemsRead(), "its band items, coarse and fine, went with it");
        assertFalse(cache.delete(key.exact()), "nothing left to delete");
    }

    @Test
    void createIfMissing_createsTheTableWithItsTtl_andLeavesAnExistingOneAlone() {
        String table = "created-if-missing-" + model;
        ResponseCacheTable.createIfMissing(client, table);
        ResponseCacheTable.createIfMissing(client, table); // a --data-dir from an earlier run

        var ttl = client.describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription();
        assertEquals(ResponseCacheTable.TTL_ATTRIBUTE, ttl.attributeName());
        assertEquals(software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus.ENABLED, ttl.timeToLiveStatus());
    }

    private static Map<String, AttributeValue> entryKey(CacheKey key) {
        return Map.of("pk", AttributeValue.fromS("x#" + key.exact()), "sk", AttributeValue.fromS("x"));
    }

    private static String capturingStderr(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    /** The mock provider's embedding (relay.providers.mock.MockProvider): a unit vector from the text's SHA-256. */
    static float[] sha(String text) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] seed = sha.digest(text.getBytes(StandardCharsets.UTF_8));
            float[] v = new float[DIMENSIONS];
            double norm = 0;
            for (int i = 0; i < DIMENSIONS; i++) {
                if (i > 0 && i % seed.length == 0) seed = sha.digest(seed);
                v[i] = seed[i % seed.length] / 128f;
                norm += v[i] * v[i];
            }
            float scale = (float) (1 / Math.sqrt(norm));
            for (int i = 0; i < DIMENSIONS; i++) v[i] *= scale;
            return v;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A unit vector at cosine {@code cosine} from the unit vector {@code a}. */
    static float[] near(Random random, float[] a, double cosine) {
        double[] r = new double[a.length];
        double dot = 0;
        for (int i = 0; i < a.length; i++) { r[i] = random.nextGaussian(); dot += r[i] * a[i]; }
        double norm = 0;
        for (int i = 0; i < a.length; i++) { r[i] -= dot * a[i]; norm += r[i] * r[i]; }
        double sine = Math.sqrt(1 - cosine * cosine) / Math.sqrt(norm);
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) b[i] = (float) (cosine * a[i] + sine * r[i]);
        return b;
    }

    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) { this.now = start; }

        void advance(Duration by) { now = now.plus(by); }

        @Override public Instant instant() { return now; }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }

        @Override public Clock withZone(ZoneId zone) { throw new UnsupportedOperationException(); }
    }
}
