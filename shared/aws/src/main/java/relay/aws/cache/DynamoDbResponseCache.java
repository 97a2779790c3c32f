package relay.aws.cache;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import relay.core.Json;
import relay.core.cache.CacheEntry;
import relay.core.cache.CacheHit;
import relay.core.cache.CacheLookup;
import relay.core.cache.LshIndex;
import relay.core.cache.ResponseCache;
import relay.core.cache.SemanticPolicy;
import relay.core.cache.VectorCodec;
import relay.core.log.Diagnostics;
import relay.core.wire.ChatCompletionResponse;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The response cache in one DynamoDB table ({@link ResponseCacheTable}).
 *
 * <p><b>Exact</b>: one item per answer, {@code pk = "x#" + exactKey}, {@code sk = "x"}, read with one
 * GetItem. It holds the answer ({@code response}, JSON text, or {@code response_gz}, gzipped JSON, when
 * over {@value #COMPRESS_OVER_BYTES} bytes), the prompt text of a semantic entry ({@code prompt}, for the
 * judge), {@code model}, {@code stored_at} (epoch ms) and {@code expires_at} (epoch s, the table's TTL).
 *
 * <p><b>Semantic</b>: per LSH band one small item, {@code pk = "s#" + scope + "#" + band + "#" + bucket},
 * {@code sk = storedAtMillis(13 digits) + "#" + exactKey}, holding the prompt's vector ({@code v}, binary
 * int8, see {@link VectorCodec}) and {@code expires_at}. A lookup runs the query vector's band Queries in
 * parallel on virtual threads (newest first, at most {@code maxItemsPerBand} each; with {@code s-maxage}
 * the age bound is part of the key condition), re-ranks what they return by exact cosine, and fetches
 * the entries of the best candidates (GetItem) for the {@link SemanticPolicy} to judge. The answer and
 * the prompt live only in the entry, so a band item stays under 1 KB (one write unit) and a Query reads
 * vectors, not answers.
 *
 * <p><b>Full buckets</b>: each band item is also written to a bucket {@value #FINE_EXTRA_BITS} bits finer,
 * {@code pk = "f#" + scope + "#" + band + "#" + fineBucket}. A band whose Query comes back full (more than
 * {@code maxItemsPerBand} items in the bucket: a scope with many entries) is read again in its finer bucket,
 * a quarter the size, so that older entries of a large scope stay findable instead of only the newest
 * {@code maxItemsPerBand}. Small scopes never read the finer buckets.
 *
 * <p>Entries whose {@code expires_at} has passed are ignored even before DynamoDB deletes them. An
 * answer too large for a 400 KB item is not stored. Nothing here throws: a failing table is logged, a
 * lookup is a miss and a store is skipped, and then the table is left alone for
 * {@code pauseAfterFailure}, so an outage adds no timeout to every request. Uses only GetItem,
 * BatchGetItem, PutItem, BatchWriteItem and Query, and DeleteItem when an operator deletes an entry.
 */
public final class DynamoDbResponseCache implements ResponseCache {
    static final int COMPRESS_OVER_BYTES = 4 * 1024;
    /** DynamoDB's item limit, 400 KB, less room for the key and the other attributes. */
    static final int MAX_ITEM_BYTES = 400 * 1024 - 1024;
    static final String ENTRY_PREFIX = "x#";
    static final String BAND_PREFIX = "s#";
    static final String FINE_BAND_PREFIX = "f#";
    /** How much finer the second bucket of each band is: 4 times fewer items, so a scope may hold 4 times more entries. */
    static final int FINE_EXTRA_BITS = 2;
    /** The finer index's hyperplanes are not the coarse one's. */
    private static final long FINE_SEED_OFFSET = 0x0F1E_2D3C_4B5AL;
    static final String ENTRY_SORT_KEY = "x";
    /** BatchWriteItem's limit. */
    static final int MAX_BATCH_WRITE = 25;

    private static final ExecutorService VIRTUAL_THREADS = Executors.newVirtualThreadPerTaskExecutor();

    private final DynamoDbClient dynamoDb;
    private final String tableName;
    private final SemanticPolicy policy;
    private final Clock clock;
    private final int bands;
    private final int bitsPerBand;
    private final long seed;
    private final int maxItemsPerBand;
    private final float[] center;
    private final Duration lookupTimeout;
    private final Duration storeTimeout;
    private final Duration pauseAfterFailure;
    private final Map<Integer, LshIndex> indexes = new ConcurrentHashMap<>();
    private final Map<Integer, LshIndex> fineIndexes = new ConcurrentHashMap<>();
    private volatile Instant pausedUntil = Instant.MIN;

    /**
     * What a lookup did, for benchmarks and tests: the Query calls, the items they and the GetItems
     * returned, the candidates at or above the policy's minimum cosine, the GetItem calls, and the read
     * capacity units DynamoDB reported (eventually consistent: half a unit per 4 KB a call).
     */
    public record LookupResult(Optional<CacheHit> hit, int queries, int itemsRead, int candidates, int entriesRead,
                               double readUnits) {
        static LookupResult miss() {
            return new LookupResult(Optional.empty(), 0, 0, 0, 0, 0);
        }
    }

    private DynamoDbResponseCache(Builder b) {
        this.dynamoDb = b.dynamoDb;
        this.tableName = b.tableName;
        this.policy = b.policy;
        this.clock = b.clock;
        this.bands = b.bands;
        this.bitsPerBand = b.bitsPerBand;
        this.seed = b.seed;
        this.maxItemsPerBand = b.maxItemsPerBand;
        this.center = b.center;
        this.lookupTimeout = b.lookupTimeout;
        this.storeTimeout = b.storeTimeout;
        this.pauseAfterFailure = b.pauseAfterFailure;
    }

    public static Builder builder(DynamoDbClient dynamoDb, String tableName) {
        return new Builder(dynamoDb, tableName);
    }

    /** The LSH index this cache uses for vectors of {@code dimensions}. */
    public LshIndex index(int dimensions) {
        return indexes.computeIfAbsent(dimensions, d -> new LshIndex(d, bands, bitsPerBand, seed,
                center != null && center.length == d ? center : null));
    }

    /** The finer index, read only for a band whose bucket is full. */
    LshIndex fineIndex(int dimensions) {
        return fineIndexes.computeIfAbsent(dimensions, d -> new LshIndex(d, bands, bitsPerBand + FINE_EXTRA_BITS,
                seed + FINE_SEED_OFFSET, center != null && center.length == d ? center : null));
    }

    @Override
    public Optional<CacheHit> lookup(CacheLookup query) {
        return lookupWithStats(query).hit();
    }

    /** {@link #lookup}, with counts of the calls made and the items read. */
    public LookupResult lookupWithStats(CacheLookup query) {
        Instant now = clock.instant();
        if (now.isBefore(pausedUntil)) return LookupResult.miss();
        long deadline = System.nanoTime() + lookupTimeout.toNanos();
        int itemsRead = 0;
        int entriesRead = 0;
        double[] units = new double[1];
        RuntimeException failure = null;
        try {
            if (query.exact()) {
                Map<String, AttributeValue> item = getEntry(query.key().exact(), deadline, units);
                entriesRead++;
                if (item != null) {
                    itemsRead++;
                    Entry entry = Entry.of(item);
                    if (entry.usable(now, query.maxAge())) {
                        return new LookupResult(Optional.of(new CacheHit(CacheHit.Kind.EXACT, entry.response(), 1,
                                entry.storedAt())), 0, itemsRead, 0, entriesRead, units[0]);
                    }
                }
            }
            if (!query.semantic()) return new LookupResult(Optional.empty(), 0, itemsRead, 0, entriesRead, units[0]);

            String since = query.maxAge() == null ? null : sortKeyTime(now.minus(query.maxAge()).toEpochMilli());
            List<String> keys = bandKeys(query.key().scope(), query.vector());
            List<Future<List<QueryResponse>>> bandQueries = new ArrayList<>();
            for (int band = 0; band < bands; band++) {
                String pk = keys.get(band), finePk = keys.get(bands + band);
                bandQueries.add(VIRTUAL_THREADS.submit(() -> queryBand(pk, finePk, since, deadline)));
            }
            Map<String, Candidate> candidates = new HashMap<>();
            int answered = 0;
            int queries = 0;
            for (Future<List<QueryResponse>> f : bandQueries) {
                List<QueryResponse> responses = await(f, deadline);
                if (responses == null) continue; // this band did not answer in time: use the others
                answered++;
                for (QueryResponse response : responses) {
                    queries++;
                    itemsRead += response.count();
                    if (response.consumedCapacity() != null && response.consumedCapacity().capacityUnits() != null) {
                        units[0] += response.consumedCapacity().capacityUnits();
                    }
                    for (Map<String, AttributeValue> item : response.items()) {
                        Candidate c = Candidate.of(item, query.vector());
                        if (c == null || !c.usable(now, query.maxAge()) || !(c.cosine >= policy.minCosine())) continue;
                        candidates.merge(c.exactKey, c, (a, b) -> a.storedAtMillis >= b.storedAtMillis ? a : b);
                    }
                }
            }
            if (answered < bandQueries.size()) {
                Diagnostics.warn("response_cache_bands_timed_out", "table", tableName,
                        "answered", answered, "bands", bandQueries.size());
            }
            List<Candidate> ranked = new ArrayList<>(candidates.values());
            ranked.sort(Comparator.comparingDouble((Candidate c) -> c.cosine).reversed());
            List<Candidate> judged = ranked.subList(0, Math.min(policy.maxJudged(), ranked.size()));
            // All judged entries in one round trip: a miss that judges five candidates waits once, not five times.
            Map<String, Map<String, AttributeValue>> entries = getEntries(judged, deadline, units);
            entriesRead += judged.size();
            for (Candidate c : judged) {
                Map<String, AttributeValue> item = entries.get(c.exactKey);
                if (item == null) continue;
                itemsRead++;
                Entry entry = Entry.of(item);
                if (!entry.usable(now, query.maxAge()) || entry.prompt() == null) continue;
                double score = policy.score(query.key().semanticText(), entry.prompt(), c.cosine);
                if (policy.accepts(score)) {
                    return new LookupResult(Optional.of(new CacheHit(CacheHit.Kind.SEMANTIC, entry.response(), c.cosine,
                            score, entry.storedAt())), queries, itemsRead, ranked.size(), entriesRead, units[0]);
                }
            }
            return new LookupResult(Optional.empty(), queries, itemsRead, ranked.size(), entriesRead, units[0]);
        } catch (RuntimeException e) {
            failure = e;
            failed("response_cache_lookup_failed", e);
            return LookupResult.miss();
        } finally {
            if (failure == null) succeeded();
        }
    }

    @Override
    public void store(CacheEntry entry) {
        Instant now = clock.instant();
        if (now.isBefore(pausedUntil)) return;
        try {
            List<Map<String, AttributeValue>> items = items(entry, now);
            if (items.isEmpty()) return;
            long deadline = System.nanoTime() + storeTimeout.toNanos();
            if (items.size() == 1) {
                dynamoDb.putItem(PutItemRequest.builder()
                        .tableName(tableName)
                        .item(items.get(0))
                        .overrideConfiguration(o -> o.apiCallTimeout(remaining(deadline)))
                        .build());
                succeeded();
                return;
            }
            // The entry and its band items (1 + 2 × 16) in BatchWriteItems, not one call each.
            List<WriteRequest> writes = new ArrayList<>();
            for (Map<String, AttributeValue> item : items) writes.add(WriteRequest.builder().putRequest(p -> p.item(item)).build());
            writeAll(writes, deadline);
            succeeded();
        } catch (RuntimeException e) {
            failed("response_cache_store_failed", e);
        }
    }

    /** {@code writes} in BatchWriteItems of up to 25, sent in parallel; throws on a failure or at the deadline. */
    private void writeAll(List<WriteRequest> writes, long deadline) {
        List<Future<Boolean>> batches = new ArrayList<>();
        for (int from = 0; from < writes.size(); from += MAX_BATCH_WRITE) {
            List<WriteRequest> batch = writes.subList(from, Math.min(writes.size(), from + MAX_BATCH_WRITE));
            batches.add(VIRTUAL_THREADS.submit(() -> batchWrite(batch, deadline)));
        }
        for (Future<Boolean> batch : batches) {
            if (await(batch, deadline) == null) throw new IllegalStateException(new TimeoutException("write timed out"));
        }
    }

    /** Writes all of {@code writes}; true when done (a failure or the deadline throws). */
    private Boolean batchWrite(List<WriteRequest> writes, long deadline) {
        while (!writes.isEmpty()) {
            if (System.nanoTime() - deadline >= 0) throw new IllegalStateException(new TimeoutException("store timed out"));
            var response = dynamoDb.batchWriteItem(BatchWriteItemRequest.builder()
                    .requestItems(Map.of(tableName, writes))
                    .overrideConfiguration(o -> o.apiCallTimeout(remaining(deadline)))
                    .build());
            // DynamoDB may leave some writes unprocessed under load: send those again.
            writes = response.hasUnprocessedItems() ? response.unprocessedItems().getOrDefault(tableName, List.of()) : List.of();
            if (!writes.isEmpty()) java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
        return Boolean.TRUE;
    }

    /** One GetItem of a key no entry has: it reaches the table with the function's own permissions. */
    @Override
    public void ping() {
        dynamoDb.getItem(GetItemRequest.builder().tableName(tableName).key(entryKey("ping")).build());
    }

    /**
     * Deletes the entry item, then its band items, found from the scope and vector the entry keeps. A
     * band item left behind (an entry stored without them, or a failed second step) stays until its TTL
     * and leads nowhere, as a lookup never answers without the entry. Throws when the table cannot be reached.
     */
    @Override
    public boolean delete(String exactKey) {
        var response = dynamoDb.deleteItem(DeleteItemRequest.builder()
                .tableName(tableName)
                .key(entryKey(exactKey))
                .returnValues(ReturnValue.ALL_OLD)
                .build());
        if (!response.hasAttributes() || response.attributes().isEmpty()) return false;
        Map<String, AttributeValue> old = response.attributes();
        AttributeValue scope = old.get("scope"), vector = old.get("v"), storedAt = old.get("stored_at");
        if (scope == null || scope.s() == null || vector == null || vector.b() == null || storedAt == null || storedAt.n() == null) {
            return true;
        }
        float[] v = VectorCodec.decode(vector.b().asByteArrayUnsafe());
        AttributeValue sk = AttributeValue.fromS(sortKeyTime(Long.parseLong(storedAt.n())) + "#" + exactKey);
        List<WriteRequest> deletes = new ArrayList<>();
        for (String pk : bandKeys(scope.s(), v)) {
            deletes.add(WriteRequest.builder().deleteRequest(d -> d.key(Map.of(ResponseCacheTable.PARTITION_KEY,
                    AttributeValue.fromS(pk), ResponseCacheTable.SORT_KEY, sk))).build());
        }
        writeAll(deletes, System.nanoTime() + storeTimeout.toNanos());
        return true;
    }

    /** The partition keys of an entry's band items: its bucket in each band, then its finer bucket in each. */
    private List<String> bandKeys(String scope, float[] vector) {
        List<String> keys = new ArrayList<>(2 * bands);
        for (String bucket : index(vector.length).buckets(vector)) keys.add(BAND_PREFIX + scope + "#" + bucket);
        for (String bucket : fineIndex(vector.length).buckets(vector)) keys.add(FINE_BAND_PREFIX + scope + "#" + bucket);
        return keys;
    }

    /**
     * The items {@link #store} writes for {@code entry} stored at {@code now}: the entry item and, for a
     * semantic entry, one item per band; empty when the answer cannot fit an item. Public for bulk
     * loading with BatchWriteItem (benchmarks, migrations).
     */
    public List<Map<String, AttributeValue>> items(CacheEntry entry, Instant now) {
        long storedAt = now.toEpochMilli();
        Instant expires = now.plus(entry.ttl());
        long expiresAt = expires.getEpochSecond() + (expires.getNano() > 0 ? 1 : 0);
        byte[] json = Json.writeBytes(entry.response());
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ResponseCacheTable.PARTITION_KEY, AttributeValue.fromS(ENTRY_PREFIX + entry.key().exact()));
        item.put(ResponseCacheTable.SORT_KEY, AttributeValue.fromS(ENTRY_SORT_KEY));
        int size = 256 + entry.key().exact().length();
        if (json.length > COMPRESS_OVER_BYTES) {
            byte[] gz = gzip(json);
            item.put("response_gz", AttributeValue.fromB(SdkBytes.fromByteArrayUnsafe(gz)));
            size += gz.length;
        } else {
            item.put("response", AttributeValue.fromS(new String(json, StandardCharsets.UTF_8)));
            size += json.length;
        }
        if (entry.response().model() != null) {
            item.put("model", AttributeValue.fromS(entry.response().model()));
            size += entry.response().model().length();
        }
        item.put("stored_at", AttributeValue.fromN(Long.toString(storedAt)));
        item.put(ResponseCacheTable.TTL_ATTRIBUTE, AttributeValue.fromN(Long.toString(expiresAt)));
        if (size > MAX_ITEM_BYTES) {
            Diagnostics.info("response_cache_entry_too_large", "table", tableName, "bytes", size);
            return List.of();
        }
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        items.add(item);
        if (!entry.semantic()) return items;
        byte[] prompt = entry.key().semanticText().getBytes(StandardCharsets.UTF_8);
        if (size + prompt.length > MAX_ITEM_BYTES) {
            Diagnostics.info("response_cache_prompt_too_large", "table", tableName, "bytes", size + prompt.length);
            return items; // exact only
        }
        item.put("prompt", AttributeValue.fromS(entry.key().semanticText()));
        AttributeValue vector = AttributeValue.fromB(SdkBytes.fromByteArrayUnsafe(VectorCodec.int8(entry.vector())));
        // The scope and vector let delete() find the band items again.
        item.put("scope", AttributeValue.fromS(entry.key().scope()));
        item.put("v", vector);
        AttributeValue sk = AttributeValue.fromS(sortKeyTime(storedAt) + "#" + entry.key().exact());
        AttributeValue expiry = AttributeValue.fromN(Long.toString(expiresAt));
        for (String pk : bandKeys(entry.key().scope(), entry.vector())) {
            items.add(Map.of(ResponseCacheTable.PARTITION_KEY, AttributeValue.fromS(pk), ResponseCacheTable.SORT_KEY, sk,
                    "v", vector, ResponseCacheTable.TTL_ATTRIBUTE, expiry));
        }
        return items;
    }

    private Map<String, AttributeValue> getEntry(String exactKey, long deadline, double[] units) {
        var response = dynamoDb.getItem(GetItemRequest.builder()
                .tableName(tableName)
                .key(entryKey(exactKey))
                .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                .overrideConfiguration(o -> o.apiCallTimeout(remaining(deadline)))
                .build());
        if (response.consumedCapacity() != null && response.consumedCapacity().capacityUnits() != null) {
            units[0] += response.consumedCapacity().capacityUnits();
        }
        return response.hasItem() && !response.item().isEmpty() ? response.item() : null;
    }

    /** The entries of {@code candidates} by exact key (absent: not found): one GetItem for one, else one BatchGetItem. */
    private Map<String, Map<String, AttributeValue>> getEntries(List<Candidate> candidates, long deadline, double[] units) {
        Map<String, Map<String, AttributeValue>> entries = new HashMap<>();
        if (candidates.size() == 1) {
            Map<String, AttributeValue> item = getEntry(candidates.get(0).exactKey, deadline, units);
            if (item != null) entries.put(candidates.get(0).exactKey, item);
            return entries;
        }
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        for (Candidate c : candidates) keys.add(entryKey(c.exactKey));
        // DynamoDB may leave keys unprocessed under load: ask again for those while time is left.
        while (!keys.isEmpty() && remaining(deadline).compareTo(Duration.ofMillis(1)) > 0) {
            var response = dynamoDb.batchGetItem(BatchGetItemRequest.builder()
                    .requestItems(Map.of(tableName, KeysAndAttributes.builder().keys(keys).build()))
                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                    .overrideConfiguration(o -> o.apiCallTimeout(remaining(deadline)))
                    .build());
            if (response.hasConsumedCapacity()) {
                for (var consumed : response.consumedCapacity()) {
                    if (consumed.capacityUnits() != null) units[0] += consumed.capacityUnits();
                }
            }
            for (Map<String, AttributeValue> item : response.responses().getOrDefault(tableName, List.of())) {
                AttributeValue pk = item.get(ResponseCacheTable.PARTITION_KEY);
                if (pk != null && pk.s() != null && pk.s().startsWith(ENTRY_PREFIX)) {
                    entries.put(pk.s().substring(ENTRY_PREFIX.length()), item);
                }
            }
            KeysAndAttributes unprocessed = response.hasUnprocessedKeys() ? response.unprocessedKeys().get(tableName) : null;
            keys = unprocessed == null || !unprocessed.hasKeys() ? List.of() : unprocessed.keys();
        }
        return entries;
    }

    private static Map<String, AttributeValue> entryKey(String exactKey) {
        return Map.of(ResponseCacheTable.PARTITION_KEY, AttributeValue.fromS(ENTRY_PREFIX + exactKey),
                ResponseCacheTable.SORT_KEY, AttributeValue.fromS(ENTRY_SORT_KEY));
    }

    /** One band: its bucket, and its finer bucket too when the bucket holds more than {@code maxItemsPerBand} items. */
    private List<QueryResponse> queryBand(String pk, String finePk, String since, long deadline) {
        QueryResponse coarse = queryBucket(pk, since, deadline);
        if (!coarse.hasLastEvaluatedKey() || coarse.lastEvaluatedKey().isEmpty()) return List.of(coarse);
        return List.of(coarse, queryBucket(finePk, since, deadline));
    }

    private QueryResponse queryBucket(String pk, String since, long deadline) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":pk", AttributeValue.fromS(pk));
        String condition = "pk = :pk";
        if (since != null) {
            condition += " AND sk >= :since";
            values.put(":since", AttributeValue.fromS(since));
        }
        return dynamoDb.query(QueryRequest.builder()
                .tableName(tableName)
                .keyConditionExpression(condition)
                .expressionAttributeValues(values)
                .scanIndexForward(false) // newest first
                .limit(maxItemsPerBand)
                .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                .overrideConfiguration(o -> o.apiCallTimeout(remaining(deadline)))
                .build());
    }

    /** The task's value; null when the deadline passed first (the task is cancelled). Failures are rethrown. */
    private static <T> T await(Future<T> future, long deadline) {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
    }

    /**
     * Failures in a row before the table is left alone: one slow call under load is no outage, and
     * pausing on it would switch the cache off for everyone; an outage fails every call.
     */
    static final int FAILURES_BEFORE_PAUSE = 3;
    private final java.util.concurrent.atomic.AtomicInteger failuresInARow = new java.util.concurrent.atomic.AtomicInteger();

    private void failed(String event, RuntimeException e) {
        boolean pause = failuresInARow.incrementAndGet() >= FAILURES_BEFORE_PAUSE;
        if (pause) {
            pausedUntil = clock.instant().plus(pauseAfterFailure);
            failuresInARow.set(0);
        }
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.length() > 300) message = message.substring(0, 300);
        Diagnostics.warn(event, "table", tableName, "reason", e.getClass().getSimpleName(), "message", message,
                "paused_seconds", pause ? pauseAfterFailure.toSeconds() : 0);
    }

    private void succeeded() {
        if (failuresInARow.get() != 0) failuresInARow.set(0);
    }

    static String sortKeyTime(long epochMillis) {
        String digits = Long.toString(Math.max(0, epochMillis));
        return "0".repeat(Math.max(0, 13 - digits.length())) + digits;
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] gunzip(byte[] data) {
        try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(data))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An entry item as read. */
    private record Entry(ChatCompletionResponse response, String prompt, Instant storedAt, long expiresAt) {
        static Entry of(Map<String, AttributeValue> item) {
            byte[] json;
            if (item.containsKey("response_gz")) json = gunzip(item.get("response_gz").b().asByteArrayUnsafe());
            else json = item.get("response").s().getBytes(StandardCharsets.UTF_8);
            ChatCompletionResponse response;
            try {
                response = Json.MAPPER.readValue(json, ChatCompletionResponse.class);
            } catch (IOException e) {
                throw new UncheckedIOException("unreadable cached response", e);
            }
            AttributeValue prompt = item.get("prompt");
            return new Entry(withoutNullNodes(response), prompt == null ? null : prompt.s(),
                    Instant.ofEpochMilli(Long.parseLong(item.get("stored_at").n())),
                    Long.parseLong(item.get(ResponseCacheTable.TTL_ATTRIBUTE).n()));
        }

        boolean usable(Instant now, Duration maxAge) {
            return now.getEpochSecond() < expiresAt && (maxAge == null || !storedAt.isBefore(now.minus(maxAge)));
        }

        /** {@code "logprobs": null} reads back as a JSON null node; make it null again, as it was stored. */
        private static ChatCompletionResponse withoutNullNodes(ChatCompletionResponse r) {
            if (r.choices() == null) return r;
            List<ChatCompletionResponse.Choice> choices = r.choices().stream()
                    .map(c -> c.logprobs() != null && c.logprobs().isNull()
                            ? new ChatCompletionResponse.Choice(c.index(), c.message(), c.finishReason(), null) : c)
                    .toList();
            return new ChatCompletionResponse(r.id(), r.object(), r.created(), r.model(), choices, r.usage(), r.systemFingerprint());
        }
    }

    /** A band item as read, with its cosine to the query vector. */
    private record Candidate(String exactKey, long storedAtMillis, long expiresAt, double cosine) {
        static Candidate of(Map<String, AttributeValue> item, float[] query) {
            String sk = item.get(ResponseCacheTable.SORT_KEY).s();
            int hash = sk.indexOf('#');
            AttributeValue v = item.get("v");
            AttributeValue expires = item.get(ResponseCacheTable.TTL_ATTRIBUTE);
            if (hash < 0 || v == null || v.b() == null || expires == null) return null;
            float[] vector;
            try {
                vector = VectorCodec.decode(v.b().asByteArrayUnsafe());
            } catch (IllegalArgumentException e) {
                return null;
            }
            return new Candidate(sk.substring(hash + 1), Long.parseLong(sk.substring(0, hash)),
                    Long.parseLong(expires.n()), VectorCodec.cosine(query, vector));
        }

        boolean usable(Instant now, Duration maxAge) {
            return now.getEpochSecond() < expiresAt
                    && (maxAge == null || storedAtMillis >= now.minus(maxAge).toEpochMilli());
        }
    }

    /** Defaults: cosine policy at 0.9, 16 bands × 11 bits, 128 items per band, lookups 1 s, stores 2 s, 10 s pause. */
    public static final class Builder {
        private final DynamoDbClient dynamoDb;
        private final String tableName;
        private SemanticPolicy policy = SemanticPolicy.cosine(0.9);
        private Clock clock = Clock.systemUTC();
        private int bands = LshIndex.DEFAULT_BANDS;
        private int bitsPerBand = LshIndex.DEFAULT_BITS_PER_BAND;
        private long seed = LshIndex.DEFAULT_SEED;
        private int maxItemsPerBand = 128;
        private float[] center;
        private boolean lshChosen;
        private Duration lookupTimeout = Duration.ofSeconds(1);
        private Duration storeTimeout = Duration.ofSeconds(2);
        private Duration pauseAfterFailure = Duration.ofSeconds(10);

        private Builder(DynamoDbClient dynamoDb, String tableName) {
            this.dynamoDb = dynamoDb;
            this.tableName = tableName;
        }

        public Builder policy(SemanticPolicy policy) { this.policy = policy; return this; }

        public Builder clock(Clock clock) { this.clock = clock; return this; }

        public Builder lsh(int bands, int bitsPerBand, long seed) {
            this.bands = bands;
            this.bitsPerBand = bitsPerBand;
            this.lshChosen = true;
            this.seed = seed;
            return this;
        }

        public Builder maxItemsPerBand(int maxItemsPerBand) { this.maxItemsPerBand = maxItemsPerBand; return this; }

        /**
         * Buckets vectors relative to the embedder's {@link relay.core.cache.Embedder#center() center} (null:
         * the origin), with {@link LshIndex#centeredBitsPerBand} bits per band for the policy's lowest
         * cosine unless {@link #lsh} says otherwise.
         */
        public Builder lshCenter(float[] center) {
            this.center = center == null ? null : center.clone();
            return this;
        }

        public Builder lookupTimeout(Duration timeout) { this.lookupTimeout = timeout; return this; }

        public Builder storeTimeout(Duration timeout) { this.storeTimeout = timeout; return this; }

        public Builder pauseAfterFailure(Duration pause) { this.pauseAfterFailure = pause; return this; }

        public DynamoDbResponseCache build() {
            if (center != null && !lshChosen) bitsPerBand = LshIndex.centeredBitsPerBand(policy.minCosine());
            new LshIndex(1, bands, bitsPerBand, seed); // validates the parameters now rather than at first use
            return new DynamoDbResponseCache(this);
        }
    }
}
