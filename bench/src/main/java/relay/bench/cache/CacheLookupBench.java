package relay.bench.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import relay.aws.AwsClients;
import relay.aws.cache.DynamoDbResponseCache;
import relay.aws.cache.ResponseCacheTable;
import relay.core.cache.CacheEntry;
import relay.core.cache.CacheKey;
import relay.core.cache.CacheLookup;
import relay.core.cache.LshIndex;
import relay.core.cache.SemanticPolicy;
import relay.core.cache.VectorCodec;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.RequestParser;
import relay.core.wire.Usage;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import relay.embeddings.OnnxEmbedder;
import relay.embeddings.SemanticCachePolicy;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The semantic cache's lookup cost against the embedded DynamoDB (the real DynamoDB wire protocol, on
 * loopback): for caches of 1k, 10k and 100k entries of 384-dimension vectors, all in one scope (the
 * worst case: every entry a candidate), it reports the items a lookup reads, lookup latency p50/p99 and
 * the recall of the LSH index against a brute-force scan of the same entries.
 *
 * <p>Entries are clustered like real prompts (clusters of 20, members at cosine 0.85–0.95 from the
 * centre). A hit query is a near-duplicate of a random entry at a cosine drawn uniformly from
 * [0.85, 1); a miss query is a random unit vector. The cache runs the production code
 * ({@link DynamoDbResponseCache}, default 16 bands × 11 bits) with the cosine policy at 0.85; recall at
 * threshold t = (queries whose best candidate reaches t) / (queries a brute-force scan of the stored
 * int8 vectors finds an entry ≥ t for). Loading uses BatchWriteItem of the items {@code store} writes.
 * Hit, miss and exact lookups are interleaved, one at a time, after a warm-up.
 *
 * <p>With {@code --real-vectors FILE} (bge vectors of Quora questions, as {@code CacheQualityBench
 * --reuse-vectors DIR} writes them) the run is the shipped configuration instead: cluster centres are real
 * questions' vectors, which sit in a cone as real prompts do; a miss query is another real question; the
 * index is centered on bge's mean vector with the bits per band the default policy picks; the policy is
 * cosine at {@code --min-cosine} (default: {@link SemanticCachePolicy#defaultThreshold()}).
 *
 * <p>Usage: {@code java -cp bench/target/relay-bench.jar relay.bench.cache.CacheLookupBench
 * [--sizes 1000,10000,100000] [--queries 400] [--real-vectors FILE [--min-cosine 0.945]]
 * [--output bench/target/cache-lookup.json]}
 */
public final class CacheLookupBench {
    static final int DIMENSIONS = 384;
    static final int CLUSTER_SIZE = 20;
    static final double SYNTHETIC_MIN_COSINE = 0.85;
    static final double[] THRESHOLDS = {0.85, 0.90, 0.95};
    static final String EMBEDDER = "bench-384";
    static final int WARMUP = 300;

    private CacheLookupBench() {}

    public static void main(String[] args) throws Exception {
        relay.dynamodb.embedded.EmbeddedDynamoDb.sendSegmentsAtOnce(); // before the first loopback server starts
        // The embedded server is the JDK's HttpServer: without TCP_NODELAY, Nagle's algorithm and delayed
        // ACKs add ~40 ms to mid-sized answers on loopback, an artefact no real DynamoDB endpoint has.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        List<Integer> sizes = List.of(1_000, 10_000, 100_000);
        int queries = 400;
        Path output = Path.of("bench/target/cache-lookup.json");
        Path realVectors = null;
        double minCosine = Double.NaN;
        double loadAverageAtStart = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--sizes" -> sizes = Arrays.stream(args[i + 1].split(",")).map(String::trim).map(Integer::parseInt).toList();
                case "--queries" -> queries = Integer.parseInt(args[i + 1]);
                case "--output" -> output = Path.of(args[i + 1]);
                case "--real-vectors" -> realVectors = Path.of(args[i + 1]);
                case "--min-cosine" -> minCosine = Double.parseDouble(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Workload workload = realVectors == null
                ? Workload.synthetic(Double.isNaN(minCosine) ? SYNTHETIC_MIN_COSINE : minCosine)
                : Workload.real(realVectors, Double.isNaN(minCosine) ? SemanticCachePolicy.defaultThreshold() : minCosine);
        System.out.println(workload.describe());
        long started = System.nanoTime();
        List<Map<String, Object>> results = new ArrayList<>();
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench"));
        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start();
             DynamoDbClient client = AwsClients.dynamoDb(Region.US_EAST_1, credentials, db.endpoint());
             DynamoDbClient loader = DynamoDbClient.builder().region(Region.US_EAST_1).credentialsProvider(credentials)
                     .endpointOverride(db.endpoint())
                     .httpClient(new relay.aws.JdkSdkHttpClient(Duration.ofSeconds(2), Duration.ofSeconds(60)))
                     .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(Duration.ofSeconds(120)).build())
                     .build()) {
            for (int size : sizes) {
                results.add(run(client, loader, size, queries, workload));
            }
        }
        printTable(results);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("benchmark", "cache-lookup");
        report.put("time", Instant.now().toString());
        report.put("dimensions", DIMENSIONS);
        report.put("workload", workload.describe());
        report.put("lsh_bands", LshIndex.DEFAULT_BANDS);
        report.put("lsh_bits_per_band", workload.bitsPerBand());
        report.put("lsh_centered", workload.center() != null);
        report.put("vector_format", "int8 (1 byte a dimension + 5)");
        report.put("store", "embedded DynamoDB on loopback, one scope holding every entry");
        report.put("java", System.getProperty("java.version"));
        report.put("processors", Runtime.getRuntime().availableProcessors());
        report.put("load_average_at_start", round(loadAverageAtStart));
        report.put("load_average_at_end", round(java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        report.put("results", results);
        report.put("total_seconds", round((System.nanoTime() - started) / 1e9));
        Files.createDirectories(output.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(output.toFile(), report);
        System.out.printf(Locale.ROOT, "%nwrote %s (%.0f s in all)%n", output, (System.nanoTime() - started) / 1e9);
    }

    /**
     * Where vectors come from and how the index is set up: synthetic isotropic vectors with the origin index,
     * or real bge question vectors with the shipped centered index.
     *
     * @param centres the real vectors cluster centres are drawn from (null: random unit vectors)
     * @param misses  the real vectors miss queries are drawn from (null: random unit vectors)
     */
    record Workload(double minCosine, float[][] centres, float[][] misses, float[] center) {
        static Workload synthetic(double minCosine) {
            return new Workload(minCosine, null, null, null);
        }

        static Workload real(Path file, double minCosine) {
            EmbeddedPairs real = EmbeddedPairs.read(file, "bge");
            float[] center;
            try (OnnxEmbedder embedder = OnnxEmbedder.loadDefault()) {
                center = embedder.center();
            }
            return new Workload(minCosine, real.a, real.b, center);
        }

        /** The thresholds recall is measured at: the policy's own and those of {@link #THRESHOLDS} above it. */
        double[] thresholds() {
            return java.util.stream.DoubleStream.concat(java.util.stream.DoubleStream.of(minCosine),
                    Arrays.stream(THRESHOLDS).filter(t -> t > minCosine + 1e-9)).toArray();
        }

        int bitsPerBand() {
            return center == null ? LshIndex.DEFAULT_BITS_PER_BAND : LshIndex.centeredBitsPerBand(minCosine);
        }

        float[] centre(Random random) {
            return centres == null ? randomUnit(random) : centres[random.nextInt(centres.length)];
        }

        float[] miss(Random random) {
            return misses == null ? randomUnit(random) : misses[random.nextInt(misses.length)];
        }

        String describe() {
            return String.format(Locale.ROOT, "%s; index %s, %d bands x %d bits; policy cosine %.3f",
                    centres == null ? "synthetic isotropic vectors" : String.format(Locale.ROOT,
                            "real bge vectors (%,d questions as cluster centres, %,d as miss queries)", centres.length, misses.length),
                    center == null ? "at the origin" : "centered on bge's mean vector", LshIndex.DEFAULT_BANDS, bitsPerBand(), minCosine);
        }
    }

    private static Map<String, Object> run(DynamoDbClient client, DynamoDbClient loader, int size, int queries, Workload workload)
            throws Exception {
        String table = "bench-cache-" + size;
        loader.createTable(ResponseCacheTable.createRequest(table)); // no TTL: the embedded sweeper would scan every item each second
        DynamoDbResponseCache.Builder builder = DynamoDbResponseCache.builder(client, table)
                .policy(SemanticPolicy.cosine(workload.minCosine()))
                .lookupTimeout(Duration.ofSeconds(10)); // loopback on a shared CPU: measure, do not cut lookups short
        if (workload.center() != null) builder.lshCenter(workload.center());
        DynamoDbResponseCache cache = builder.build();
        Random random = new Random(size);

        // Entries: clustered vectors, all in one scope.
        long loadStarted = System.nanoTime();
        List<float[]> vectors = new ArrayList<>(size);
        List<CacheKey> keys = new ArrayList<>(size);
        float[] centre = null;
        for (int i = 0; i < size; i++) {
            if (i % CLUSTER_SIZE == 0) centre = workload.centre(random);
            vectors.add(near(random, centre, 0.85 + 0.1 * random.nextDouble()));
            keys.add(CacheKey.of(request("question " + i), null, EMBEDDER));
        }
        // The brute-force scan reads what a scan of the table would: the stored (int8) vectors.
        List<float[]> stored = vectors.stream().map(v -> VectorCodec.decode(VectorCodec.int8(v))).toList();
        Instant now = Instant.now();
        int entryItemBytes = 0, bandItemBytes = 0;
        long itemCount = 0;
        // In slices of 1,000 entries: the items of 100,000 entries at once would not fit a default heap.
        for (int from = 0; from < size; from += 1_000) {
            List<Map<String, AttributeValue>> items = new ArrayList<>();
            for (int i = from; i < Math.min(size, from + 1_000); i++) {
                items.addAll(cache.items(new CacheEntry(keys.get(i), vectors.get(i), answer(i), Duration.ofHours(1)), now));
            }
            if (from == 0) {
                entryItemBytes = itemBytes(items.get(0));
                bandItemBytes = itemBytes(items.get(1));
            }
            itemCount += items.size();
            batchWrite(loader, table, items);
        }
        double loadSeconds = (System.nanoTime() - loadStarted) / 1e9;
        System.out.printf(Locale.ROOT, "%,d entries (%,d items) loaded in %.1f s%n", size, itemCount, loadSeconds);

        // Warm-up: JIT, connections.
        for (int i = 0; i < WARMUP; i++) {
            cache.lookupWithStats(CacheLookup.similar(keys.get(0), randomUnit(random), null));
        }

        // Interleaved, so that the machine's load weighs on each kind alike: a hit query (a near-duplicate of
        // a random entry), a miss query (an unrelated vector), an exact lookup (one GetItem).
        List<Double> hitLatency = new ArrayList<>(), hitItems = new ArrayList<>(), hitUnits = new ArrayList<>();
        List<Double> queryCalls = new ArrayList<>();
        List<Double> missLatency = new ArrayList<>(), missItems = new ArrayList<>(), missUnits = new ArrayList<>();
        List<Double> exactLatency = new ArrayList<>();
        double[] thresholds = workload.thresholds();
        int[] bruteForceHits = new int[thresholds.length];
        int[] lshHits = new int[thresholds.length];
        int missQueriesThatHit = 0;
        CacheKey queryKey = CacheKey.of(request("a new question"), null, EMBEDDER);
        for (int q = 0; q < queries; q++) {
            float[] target = vectors.get(random.nextInt(size));
            float[] query = near(random, target, SYNTHETIC_MIN_COSINE + (1 - SYNTHETIC_MIN_COSINE) * random.nextDouble());
            double best = -1;
            for (float[] v : stored) best = Math.max(best, VectorCodec.cosine(query, v));
            long t0 = System.nanoTime();
            var result = cache.lookupWithStats(CacheLookup.similar(queryKey, query, null));
            hitLatency.add((System.nanoTime() - t0) / 1e6);
            hitItems.add((double) result.itemsRead());
            queryCalls.add((double) result.queries());
            hitUnits.add(result.readUnits());
            double found = result.hit().map(h -> h.similarity()).orElse(-1.0);
            for (int t = 0; t < thresholds.length; t++) {
                if (best >= thresholds[t]) {
                    bruteForceHits[t]++;
                    if (found >= thresholds[t]) lshHits[t]++;
                }
            }

            t0 = System.nanoTime();
            var miss = cache.lookupWithStats(CacheLookup.similar(queryKey, workload.miss(random), null));
            missLatency.add((System.nanoTime() - t0) / 1e6);
            missItems.add((double) miss.itemsRead());
            queryCalls.add((double) miss.queries());
            missUnits.add(miss.readUnits());
            if (miss.hit().isPresent()) missQueriesThatHit++;

            CacheKey key = keys.get(random.nextInt(size));
            t0 = System.nanoTime();
            var exact = cache.lookupWithStats(CacheLookup.exact(key, null));
            exactLatency.add((System.nanoTime() - t0) / 1e6);
            if (exact.hit().isEmpty()) throw new IllegalStateException("exact entry missing");
        }

        loader.deleteTable(b -> b.tableName(table));

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("entries", size);
        r.put("load_seconds", round(loadSeconds));
        r.put("queries", queries);
        // one per band, plus one per band whose bucket was full (read again in its finer bucket)
        r.put("query_calls_per_semantic_lookup", round(queryCalls.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
        r.put("band_item_bytes", bandItemBytes);
        r.put("entry_item_bytes", entryItemBytes);
        r.put("hit_lookup", stats(hitLatency, hitItems, hitUnits));
        r.put("miss_lookup", stats(missLatency, missItems, missUnits));
        r.put("exact_lookup_ms", Map.of("p50", round(percentile(exactLatency, 50)), "p99", round(percentile(exactLatency, 99))));
        Map<String, Object> recall = new LinkedHashMap<>();
        for (int t = 0; t < thresholds.length; t++) {
            recall.put(String.format(Locale.ROOT, "%.3f", thresholds[t]), Map.of(
                    "brute_force_hits", bruteForceHits[t], "lsh_hits", lshHits[t],
                    "recall", bruteForceHits[t] == 0 ? 0 : round((double) lshHits[t] / bruteForceHits[t])));
        }
        r.put("recall_vs_brute_force", recall);
        // unrelated (random) vectors never should; a real question sometimes truly is near a stored one
        r.put("miss_queries_that_hit", missQueriesThatHit);
        return r;
    }

    private static Map<String, Object> stats(List<Double> latency, List<Double> items, List<Double> units) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("read_units_mean", round(units.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
        s.put("latency_ms_p50", round(percentile(latency, 50)));
        s.put("latency_ms_p99", round(percentile(latency, 99)));
        s.put("items_read_mean", round(items.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
        s.put("items_read_p99", round(percentile(items, 99)));
        return s;
    }

    @SuppressWarnings("unchecked")
    private static void printTable(List<Map<String, Object>> results) {
        System.out.println();
        System.out.println("entries | Query calls | items read/lookup: hit mean, p99; miss mean | RCU/lookup hit, miss | semantic hit ms p50/p99 | miss ms p50/p99 | exact ms p50/p99 | recall vs brute force at each threshold");
        for (Map<String, Object> r : results) {
            var hit = (Map<String, Object>) r.get("hit_lookup");
            var miss = (Map<String, Object>) r.get("miss_lookup");
            var exact = (Map<String, Object>) r.get("exact_lookup_ms");
            var recall = (Map<String, Map<String, Object>>) r.get("recall_vs_brute_force");
            StringBuilder recalls = new StringBuilder();
            recall.forEach((t, v) -> recalls.append(recalls.isEmpty() ? "" : ", ").append('@').append(t).append(' ').append(v.get("recall")));
            System.out.printf(Locale.ROOT, "%7s | %11s | %8s, %6s; %-19s | %7s, %-9s | %9s / %-9s | %6s / %-7s | %5s / %-6s | %s%n",
                    String.format(Locale.ROOT, "%,d", (Integer) r.get("entries")), r.get("query_calls_per_semantic_lookup"),
                    hit.get("items_read_mean"), hit.get("items_read_p99"), miss.get("items_read_mean"),
                    hit.get("read_units_mean"), miss.get("read_units_mean"),
                    hit.get("latency_ms_p50"), hit.get("latency_ms_p99"), miss.get("latency_ms_p50"), miss.get("latency_ms_p99"),
                    exact.get("p50"), exact.get("p99"), recalls);
        }
    }

    /** BatchWriteItem, 25 items a call, 8 calls in flight; unprocessed items are sent again. */
    private static void batchWrite(DynamoDbClient loader, String table, List<Map<String, AttributeValue>> items) throws Exception {
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        Semaphore inFlight = new Semaphore(8);
        List<Future<?>> calls = new ArrayList<>();
        try {
            for (int from = 0; from < items.size(); from += 25) {
                List<WriteRequest> batch = items.subList(from, Math.min(items.size(), from + 25)).stream()
                        .map(item -> WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build())
                        .toList();
                inFlight.acquire();
                calls.add(threads.submit(() -> {
                    try {
                        Map<String, List<WriteRequest>> pending = Map.of(table, batch);
                        while (!pending.isEmpty()) {
                            BatchWriteItemResponse response = loader.batchWriteItem(
                                    BatchWriteItemRequest.builder().requestItems(pending).build());
                            pending = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
                        }
                    } finally {
                        inFlight.release();
                    }
                    return null;
                }));
            }
            for (Future<?> call : calls) call.get();
        } finally {
            threads.shutdown();
        }
    }

    /** DynamoDB's item size: attribute names plus values (strings and binaries by their bytes, numbers about a byte a two digits). */
    private static int itemBytes(Map<String, AttributeValue> item) {
        int bytes = 0;
        for (var e : item.entrySet()) {
            bytes += e.getKey().length();
            AttributeValue v = e.getValue();
            if (v.s() != null) bytes += v.s().getBytes(StandardCharsets.UTF_8).length;
            else if (v.b() != null) bytes += v.b().asByteArrayUnsafe().length;
            else if (v.n() != null) bytes += v.n().length() / 2 + 2;
        }
        return bytes;
    }

    private static ChatCompletionRequest request(String question) {
        String json = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
                + "{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
        return RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static ChatCompletionResponse answer(int i) {
        return Completions.response("chatcmpl-bench-" + i, 1_700_000_000, "openai/gpt-4o",
                "The answer to question " + i + " is a paragraph of ordinary length, about as long as a short reply.",
                Usage.of(20, 20));
    }

    private static float[] randomUnit(Random random) {
        float[] v = new float[DIMENSIONS];
        double norm = 0;
        for (int i = 0; i < DIMENSIONS; i++) {
            v[i] = (float) random.nextGaussian();
            norm += v[i] * v[i];
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < DIMENSIONS; i++) v[i] *= scale;
        return v;
    }

    /** A unit vector at cosine {@code cosine} from the unit vector {@code a}. */
    private static float[] near(Random random, float[] a, double cosine) {
        double[] r = new double[a.length];
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            r[i] = random.nextGaussian();
            dot += r[i] * a[i];
        }
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            r[i] -= dot * a[i];
            norm += r[i] * r[i];
        }
        double sine = Math.sqrt(1 - cosine * cosine) / Math.sqrt(norm);
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) b[i] = (float) (cosine * a[i] + sine * r[i]);
        return b;
    }

    private static double percentile(List<Double> values, double p) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (sorted.length == 0) return 0;
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
