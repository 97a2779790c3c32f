package relay.aws;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.core.log.Attempt;
import relay.core.log.RequestLog;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeTimeToLiveRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

class DynamoDbRequestLogStoreTest {
    private static final String TABLE = "relay-request-log";
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAFAKEFAKEFAKE", "fake-secret-access-key"));
    /** A failed write ends (within the client's timeouts); the bound only catches a hang, far above them. */
    private static final Duration FAILED_WRITE_BUDGET = Duration.ofSeconds(30);
    private static final AtomicInteger IDS = new AtomicInteger();

    private static EmbeddedDynamoDb db;
    private static DynamoDbClient client;
    private static DynamoDbRequestLogStore store;

    @BeforeAll
    static void startDatabase() {
        db = EmbeddedDynamoDb.start();
        client = AwsClients.dynamoDb(Region.US_EAST_1, CREDENTIALS, db.endpoint());
        client.createTable(RequestLogTable.createRequest(TABLE));
        client.updateTimeToLive(RequestLogTable.timeToLiveRequest(TABLE));
        store = new DynamoDbRequestLogStore(client, TABLE);
    }

    @AfterAll
    static void stopDatabase() {
        if (client != null) client.close();
        if (db != null) db.close();
    }

    @Test
    void aRecordTooLargeForDynamoDb_isTrimmedToFit_andMarkedSo() {
        List<Attempt> attempts = new java.util.ArrayList<>();
        for (int i = 0; i < 10_000; i++) attempts.add(new Attempt("openai/unknown-" + i, 404, "model_not_found", "fallback model is not configured", 0));
        Map<String, String> metadata = Map.of("note", "x".repeat(500_000), "team", "a");
        RequestLog record = new RequestLog(newId(), Instant.parse("2025-03-01T12:00:05Z"), "POST /v1/chat/completions",
                new RequestLog.Caller("hash", "alias", "u".repeat(100_000), metadata), "e500", null, null, 404, 3, null,
                null, null, null, null, false, "miss", "invalid_request_error", "model_not_found", "All failed", attempts,
                new RequestLog.Bodies("{}", "{}", false), expiresAt());

        store.write(record);

        var item = client.getItem(b -> b.tableName(TABLE).consistentRead(true)
                .key(Map.of(RequestLogTable.PARTITION_KEY, AttributeValue.fromS(record.requestId())))).item();
        assertFalse(item.isEmpty(), "the record is stored, not lost");
        assertTrue(item.get("trimmed").bool());
        assertEquals(20, item.get("attempts").l().size());
        assertEquals("9980", item.get("attempts_omitted").n());
        assertEquals(1024, item.get("metadata").m().get("note").s().length());
        assertEquals("a", item.get("metadata").m().get("team").s());
        assertEquals(404, DynamoDbRequestLogStore.fromItem(item).status());
    }

    @Test
    void aRecordThatFits_isNotTrimmed() {
        RequestLog record = new RequestLog(newId(), Instant.parse("2025-03-01T12:00:06Z"), "POST /v1/chat/completions",
                "gpt-4o", "openai/gpt-4o", 200, 12, 1, 2, 3, false, null, null, expiresAt());

        assertFalse(DynamoDbRequestLogStore.toItem(record).containsKey("trimmed"));
    }

    @Test
    void theTableExpiresItemsByExpiresAt() {
        var ttl = client.describeTimeToLive(DescribeTimeToLiveRequest.builder().tableName(TABLE).build())
                .timeToLiveDescription();
        assertEquals(RequestLogTable.TTL_ATTRIBUTE, ttl.attributeName());
        assertEquals(TimeToLiveStatus.ENABLED, ttl.timeToLiveStatus());
    }

    @Test
    void aSuccessRecordReadsBackEqual() {
        RequestLog record = new RequestLog(newId(), Instant.parse("2025-03-01T12:00:00.123456789Z"),
                "POST /v1/chat/completions", "gpt-4o", "openai/gpt-4o", 200, 1234, 11, 22, 33, true, null, null,
                expiresAt());

        store.write(record);

        Map<String, AttributeValue> item = item(record.requestId());
        assertEquals(record, DynamoDbRequestLogStore.fromItem(item));
        assertAll(
                () -> assertEquals("2025-03-01T12:00:00.123456789Z", item.get("time").s()),
                () -> assertEquals("200", item.get("status").n()),
                () -> assertEquals("1234", item.get("latency_ms").n()),
                () -> assertEquals("11", item.get("prompt_tokens").n()),
                () -> assertEquals("22", item.get("completion_tokens").n()),
                () -> assertEquals("33", item.get("total_tokens").n()),
                () -> assertEquals(Boolean.TRUE, item.get("stream").bool()),
                () -> assertFalse(item.containsKey("error_type")),
                () -> assertFalse(item.containsKey("error_code")));
    }

    @Test
    void aFailureRecordReadsBackEqualWithNoModelDeploymentOrTokens() {
        RequestLog record = new RequestLog(newId(), Instant.parse("2025-03-01T12:00:01Z"), "POST /v1/chat/completions",
                null, null, 401, 2, null, null, null, false, "authentication_error", "invalid_api_key", expiresAt());

        store.write(record);

        Map<String, AttributeValue> item = item(record.requestId());
        RequestLog read = DynamoDbRequestLogStore.fromItem(item);
        assertEquals(record, read);
        assertNull(read.requestedModel());
        assertNull(read.deployment());
        assertNull(read.promptTokens());
        assertNull(read.totalTokens());
        assertEquals("authentication_error", read.errorType());
        assertEquals(Set.of("request_id", "time", "route", "status", "latency_ms", "stream", "error_type",
                "error_code", "expires_at"), item.keySet());
    }

    @Test
    void aFailureWithNoErrorCodeHasNoErrorCodeAttribute() {
        RequestLog record = new RequestLog(newId(), Instant.parse("2025-03-01T12:00:02Z"), "POST /v1/embeddings",
                "text-embedding-3-small", null, 503, 5000, null, null, null, false, "api_error", null, expiresAt());

        store.write(record);

        Map<String, AttributeValue> item = item(record.requestId());
        assertEquals(record, DynamoDbRequestLogStore.fromItem(item));
        assertFalse(item.containsKey("error_code"));
        assertFalse(item.containsKey("deployment"));
    }

    @Test
    void emptyOptionalStringsAreAbsentNotEmpty() {
        RequestLog record = new RequestLog(newId(), Instant.parse("2025-03-01T12:00:03Z"), "GET /v1/models",
                "", "", 200, 1, null, null, null, false, "", "", expiresAt());

        store.write(record);

        Map<String, AttributeValue> item = item(record.requestId());
        for (String name : List.of("requested_model", "deployment", "error_type", "error_code",
                "prompt_tokens", "completion_tokens", "total_tokens")) {
            assertFalse(item.containsKey(name), name + " should be absent");
        }
        item.forEach((name, value) -> assertFalse(value.s() != null && value.s().isEmpty(), name + " is an empty string"));
        RequestLog read = DynamoDbRequestLogStore.fromItem(item);
        assertNull(read.requestedModel());
        assertNull(read.errorType());
    }

    @Test
    void expiresAtIsANumberOfEpochSeconds() {
        Instant expires = Instant.parse("2025-04-01T00:00:00.987Z");
        RequestLog record = new RequestLog(newId(), Instant.parse("2025-03-01T12:00:04Z"), "POST /v1/chat/completions",
                "gpt-4o", "openai/gpt-4o", 200, 10, 1, 1, 2, false, null, null, Instant.now().plus(Duration.ofDays(90)));
        // The sweeper of the embedded server deletes expired items, so the record must expire in the future;
        // the fixed instant above checks the encoding directly.
        assertEquals(AttributeValue.fromN("1743465600"),
                DynamoDbRequestLogStore.toItem(withExpiry(record, expires)).get(RequestLogTable.TTL_ATTRIBUTE));

        store.write(record);

        AttributeValue stored = item(record.requestId()).get(RequestLogTable.TTL_ATTRIBUTE);
        assertNotNull(stored.n(), "expires_at must be a number");
        assertEquals(Long.toString(record.expiresAt().getEpochSecond()), stored.n());
        assertTrue(stored.n().matches("\\d{10}"), "seconds, not milliseconds: " + stored.n());
    }

    @Test
    void aWriteToAMissingTableDoesNotThrowAndIsReported() {
        var missing = new DynamoDbRequestLogStore(client, "no-such-table");
        RequestLog record = success(newId());

        String stderr = timedWrite(missing, record);

        assertTrue(stderr.contains("request_log_write_failed"), stderr);
        assertTrue(stderr.contains("ResourceNotFoundException"), stderr);
        assertTrue(stderr.contains(record.requestId()), stderr);
    }

    @Test
    void afterAFailure_recordsGoWholeToTheFunctionLog_andDynamoDbIsSkippedForAPause() {
        String table = "created-later";
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        var paused = new DynamoDbRequestLogStore(client, table, clock);
        timedWrite(paused, success(newId()));  // the table does not exist yet: a failure
        client.createTable(RequestLogTable.createRequest(table));
        RequestLog duringPause = success(newId());

        String stderr = timedWrite(paused, duringPause);

        assertTrue(stderr.contains("dynamodb_paused"), stderr);
        assertTrue(stderr.contains("\"request_id\":\"" + duringPause.requestId() + "\""), "the whole record: " + stderr);
        assertTrue(stderr.contains("\"deployment\":\"openai/gpt-4o\""), stderr);
        assertTrue(client.getItem(b -> b.tableName(table).key(Map.of(RequestLogTable.PARTITION_KEY,
                AttributeValue.fromS(duringPause.requestId())))).item().isEmpty(), "skipped DynamoDB during the pause");

        clock.advance(DynamoDbRequestLogStore.PAUSE_AFTER_FAILURE);
        RequestLog afterPause = success(newId());
        paused.write(afterPause);
        assertFalse(client.getItem(b -> b.tableName(table).key(Map.of(RequestLogTable.PARTITION_KEY,
                AttributeValue.fromS(afterPause.requestId())))).item().isEmpty(), "back to DynamoDB after the pause");
    }

    @Test
    void aFullRecord_readsBackEqual_callerBodiesCostAndAll() {
        RequestLog base = success(newId());
        RequestLog full = new RequestLog(base.requestId(), base.time(), base.route(),
                new RequestLog.Caller("ab12", "master", "user-7", Map.of("team", "search", "tags", "a,b")),
                "gpt-4o", "openai/gpt-4o", "openai", 200, 420, 400L, 10, 5, 15, new java.math.BigDecimal("0.000075"),
                true, "miss", null, null, null, List.of(new relay.core.log.Attempt("openai/gpt-4o", 200, null, null, 400)),
                new RequestLog.Bodies("{\"model\":\"gpt-4o\"}", "data: [DONE]", false), base.expiresAt());

        store.write(full);

        assertEquals(full, DynamoDbRequestLogStore.fromItem(item(full.requestId())));
    }

    @Test
    void find_byKeyOrModel_newestFirst_withinTheRange_withoutBodies() {
        String key = "key-" + newId();
        Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
        for (int i = 0; i < 5; i++) {
            RequestLog base = success(newId());
            store.write(new RequestLog(base.requestId(), t0.plusSeconds(60L * i), base.route(),
                    new RequestLog.Caller(key, "master", null, Map.of()), i % 2 == 0 ? "model-even-" + key : "model-odd-" + key,
                    "openai/gpt-4o", "openai", 200, 10, 8L, 1, 1, 2, null, false, "off", null, null, null, List.of(),
                    new RequestLog.Bodies("req", "resp", false), base.expiresAt()));
        }

        List<RequestLog> byKey = store.find(new relay.core.log.LogQuery(null, key, null, t0.plusSeconds(30), null, 10));
        List<RequestLog> byModel = store.find(new relay.core.log.LogQuery(null, null, "model-even-" + key, null, null, 2));
        List<RequestLog> byBoth = store.find(new relay.core.log.LogQuery(null, key, "model-odd-" + key, null, null, 10));

        assertEquals(List.of(t0.plusSeconds(240), t0.plusSeconds(180), t0.plusSeconds(120), t0.plusSeconds(60)),
                byKey.stream().map(RequestLog::time).toList());
        assertNull(byKey.get(0).bodies(), "the index carries no bodies");
        assertEquals(2, byModel.size());
        assertEquals(t0.plusSeconds(240), byModel.get(0).time());
        assertEquals(2, byBoth.size());
        assertEquals(1, store.find(new relay.core.log.LogQuery(byKey.get(0).requestId(), null, null, null, null, 10)).size());
    }

    @Test
    void everyAttempt_isKeptInOrder() {
        RequestLog base = success(newId());
        RequestLog record = new RequestLog(base.requestId(), base.time(), base.route(), "gpt-4", "groq/llama2", 200, 900,
                10, 5, 15, false, null, null, base.expiresAt(), List.of(
                        new relay.core.log.Attempt("openai/gpt-4", 503, "provider_unavailable", "openai (gpt-4) returned 503: busy", 120),
                        new relay.core.log.Attempt("openai/gpt-4", 429, "rate_limit_exceeded", "slow down", 80),
                        new relay.core.log.Attempt("groq/llama2", 200, null, null, 650)));

        store.write(record);

        assertEquals(record, DynamoDbRequestLogStore.fromItem(item(record.requestId())));
    }

    @Test
    void aWriteToAClosedServerDoesNotThrow() {
        URI endpoint;
        try (EmbeddedDynamoDb closed = EmbeddedDynamoDb.start()) {
            endpoint = closed.endpoint();
        }
        try (DynamoDbClient unreachable = AwsClients.dynamoDb(Region.US_EAST_1, CREDENTIALS, endpoint)) {
            String stderr = timedWrite(new DynamoDbRequestLogStore(unreachable, TABLE), success(newId()));
            assertTrue(stderr.contains("request_log_write_failed"), stderr);
        }
    }

    @Test
    void aWriteToAServerThatNeverAnswersGivesUpWithinAwsClientsTimeouts() throws Exception {
        // Accepts connections and reads nothing, answers nothing: only the client's timeouts end the call.
        try (ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new CopyOnWriteArrayList<>();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) held.add(blackHole.accept());
                } catch (IOException closed) {
                    // the test is over
                }
            });
            URI endpoint = URI.create("http://127.0.0.1:" + blackHole.getLocalPort());
            try (DynamoDbClient hanging = AwsClients.dynamoDb(Region.US_EAST_1, CREDENTIALS, endpoint)) {
                String stderr = timedWrite(new DynamoDbRequestLogStore(hanging, TABLE), success(newId()));
                assertTrue(stderr.contains("request_log_write_failed"), stderr);
                assertTrue(stderr.contains("TimeoutException"), stderr);
            } finally {
                blackHole.close();
                for (Socket s : held) s.close();
                acceptor.join();
            }
        }
    }

    @Test
    void concurrentWritesFromEightThreadsAllLand() throws Exception {
        int threads = 8;
        int perThread = 25;
        String prefix = "concurrent-" + newId() + "-";
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<RequestLog> written = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) written.add(success(prefix + t + "-" + i));
        }
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<RequestLog> mine = written.subList(t * perThread, (t + 1) * perThread);
                done.add(pool.submit(() -> {
                    go.await();
                    mine.forEach(store::write);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdownNow();
        }

        for (RequestLog record : written) {
            Map<String, AttributeValue> item = item(record.requestId());
            assertFalse(item.isEmpty(), "missing " + record.requestId());
            assertEquals(record, DynamoDbRequestLogStore.fromItem(item));
        }
    }

    /** Writes, checks it neither threw nor took long, and returns what the store reported on stderr. */
    private static String timedWrite(DynamoDbRequestLogStore target, RequestLog record) {
        PrintStream original = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        long started = System.nanoTime();
        try {
            target.write(record); // must not throw
        } finally {
            System.setErr(original);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(took.compareTo(FAILED_WRITE_BUDGET) < 0, "the failed write took " + took);
        return buffer.toString(StandardCharsets.UTF_8);
    }

    private static Map<String, AttributeValue> item(String requestId) {
        return client.getItem(GetItemRequest.builder()
                .tableName(TABLE)
                .key(Map.of(RequestLogTable.PARTITION_KEY, AttributeValue.fromS(requestId)))
                .consistentRead(true)
                .build()).item();
    }

    private static RequestLog success(String id) {
        return new RequestLog(id, Instant.now(), "POST /v1/chat/completions", "gpt-4o", "openai/gpt-4o", 200, 42,
                10, 5, 15, false, null, null, expiresAt());
    }

    private static RequestLog withExpiry(RequestLog r, Instant expiresAt) {
        return new RequestLog(r.requestId(), r.time(), r.route(), r.requestedModel(), r.deployment(), r.status(),
                r.latencyMillis(), r.promptTokens(), r.completionTokens(), r.totalTokens(), r.stream(), r.errorType(),
                r.errorCode(), expiresAt);
    }

    /** Whole seconds (the table stores no fraction) and in the future (the embedded server sweeps expired items). */
    private static Instant expiresAt() {
        return Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS);
    }

    private static String newId() {
        return "req-" + IDS.incrementAndGet() + "-" + System.nanoTime();
    }
}
