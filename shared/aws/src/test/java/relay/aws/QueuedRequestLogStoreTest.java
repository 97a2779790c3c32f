package relay.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.aws.DynamoDbProxy.Call;
import relay.core.Json;
import relay.core.log.LogQuery;
import relay.core.log.RequestLog;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class QueuedRequestLogStoreTest {
    private static final String TABLE = "relay-request-log";
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAFAKEFAKEFAKE", "fake-secret-access-key"));
    /** close()'s bound in the tests that expect it to drain: far above what a loaded machine needs. */
    private static final Duration GENEROUS_DRAIN = Duration.ofSeconds(60);
    private static final ObjectMapper LINES = new ObjectMapper();
    private static final AtomicInteger IDS = new AtomicInteger();

    private static EmbeddedDynamoDb db;
    /** Straight to the embedded DynamoDB: what the tests read the table with. */
    private static DynamoDbClient direct;

    private DynamoDbProxy proxy;
    /** Through the proxy, with timeouts above its longest hold, so a held request waits rather than fails. */
    private DynamoDbClient proxied;
    private DynamoDbRequestLogStore store;
    private PrintStream originalStderr;
    private ByteArrayOutputStream stderr;

    @BeforeAll
    static void startDatabase() {
        db = EmbeddedDynamoDb.start();
        direct = AwsClients.dynamoDb(Region.US_EAST_1, CREDENTIALS, db.endpoint());
        direct.createTable(RequestLogTable.createRequest(TABLE));
    }

    @AfterAll
    static void stopDatabase() {
        if (direct != null) direct.close();
        if (db != null) db.close();
    }

    @BeforeEach
    void startProxy() {
        proxy = DynamoDbProxy.start(db.endpoint());
        Duration longerThanAnyHold = DynamoDbProxy.MAX_HOLD.multipliedBy(2);
        proxied = DynamoDbClient.builder()
                .region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS)
                .endpointOverride(proxy.endpoint())
                .httpClient(new JdkSdkHttpClient(Duration.ofSeconds(5), longerThanAnyHold))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallTimeout(longerThanAnyHold).apiCallAttemptTimeout(longerThanAnyHold).build())
                .build();
        store = new DynamoDbRequestLogStore(proxied, TABLE);
        originalStderr = System.err;
        stderr = new ByteArrayOutputStream();
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stopProxy() {
        System.setErr(originalStderr);
        proxy.close();
        proxied.close();
    }

    @Test
    void hundredsOfRecordsFromEightThreads_allArrive_inBatchWriteItemsOfAtMost25() throws Exception {
        List<RequestLog> written = new ArrayList<>();
        try (QueuedRequestLogStore queued = new QueuedRequestLogStore(store, QueuedRequestLogStore.CAPACITY, GENEROUS_DRAIN)) {
            // The first batch is held, so the others queue up and leave in full batches.
            proxy.hold();
            RequestLog first = record();
            written.add(first);
            queued.write(first);
            assertTrue(proxy.awaitArrivals(1));

            int threads = 8;
            int perThread = 50;
            List<List<RequestLog>> perWriter = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<RequestLog> mine = new ArrayList<>();
                for (int i = 0; i < perThread; i++) mine.add(record());
                perWriter.add(mine);
                written.addAll(mine);
            }
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (List<RequestLog> mine : perWriter) {
                    done.add(pool.submit(() -> {
                        go.await();
                        mine.forEach(queued::write);
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : done) f.get();
            } finally {
                pool.shutdownNow();
            }
            proxy.release();
        }

        for (RequestLog record : written) assertEquals(record, stored(record.requestId()), record.requestId());
        assertEquals(Map.of(), logged());
        List<Call> calls = proxy.calls();
        assertTrue(calls.stream().allMatch(c -> c.operation().equals("BatchWriteItem")), calls.toString());
        assertEquals(written.size(), calls.stream().mapToInt(Call::writes).sum());
        assertEquals(DynamoDbRequestLogStore.MAX_BATCH, calls.stream().mapToInt(Call::writes).max().orElseThrow(), calls.toString());
    }

    @Test
    void write_returnsWhileDynamoDbStillHoldsTheWrite_andTheRecordIsInTheTableAfterClose() throws Exception {
        RequestLog record = record();
        QueuedRequestLogStore queued = new QueuedRequestLogStore(store, QueuedRequestLogStore.CAPACITY, GENEROUS_DRAIN);
        proxy.hold();

        queued.write(record);

        // A write that waited for DynamoDB would only have returned once the proxy answered (after its 30 s bound).
        assertTrue(proxy.awaitArrivals(1), "the writer sent the record");
        assertEquals(0, proxy.answered(), "write returned while the proxy still held the request");
        assertTrue(stored(record.requestId()) == null);

        proxy.release();
        queued.close();

        assertEquals(record, stored(record.requestId()));
        assertEquals(List.of(record), queued.find(new LogQuery(record.requestId(), null, null, null, null, 10)));
        assertEquals(Map.of(), logged());
    }

    @Test
    void aFullQueue_sendsTheRecordToTheProcessLogAtOnce_andCountsIt() throws Exception {
        QueuedRequestLogStore queued = new QueuedRequestLogStore(store, 2, GENEROUS_DRAIN);
        proxy.hold();
        RequestLog inFlight = record();
        queued.write(inFlight);
        assertTrue(proxy.awaitArrivals(1), "the writer is blocked on the held request");
        RequestLog queued1 = record();
        RequestLog queued2 = record();
        RequestLog overflow = record();

        queued.write(queued1);
        queued.write(queued2);
        queued.write(overflow);

        assertEquals(0, proxy.answered(), "the writes returned while the writer was still blocked");
        assertEquals(Map.of(overflow.requestId(), QueuedRequestLogStore.QUEUE_FULL), logged());
        assertEquals(overflow, loggedRecord(overflow.requestId()), "the whole record is in the process log");
        assertEquals(1, queued.overflowed());

        proxy.release();
        queued.close();
        for (RequestLog r : List.of(inFlight, queued1, queued2)) assertEquals(r, stored(r.requestId()));
        assertTrue(stored(overflow.requestId()) == null);
        assertEquals(1, logged().size());
    }

    @Test
    void close_writesWhatIsQueued_andWritesAfterCloseGoToTheProcessLog() throws Exception {
        QueuedRequestLogStore queued = new QueuedRequestLogStore(store, QueuedRequestLogStore.CAPACITY, GENEROUS_DRAIN);
        proxy.hold();
        List<RequestLog> written = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            RequestLog r = record();
            written.add(r);
            queued.write(r);
            if (i == 0) assertTrue(proxy.awaitArrivals(1));
        }
        assertEquals(1, proxy.calls().size(), "59 records wait in the queue");

        Thread closer = Thread.ofPlatform().start(queued::close);
        awaitWaiting(closer);  // close() has begun: it waits for the writer
        RequestLog late = record();
        queued.write(late);
        proxy.release();
        closer.join(Duration.ofSeconds(90).toMillis());
        assertFalse(closer.isAlive());

        for (RequestLog r : written) assertEquals(r, stored(r.requestId()), r.requestId());
        assertEquals(Map.of(late.requestId(), QueuedRequestLogStore.CLOSED), logged());
        assertTrue(stored(late.requestId()) == null);
    }

    @Test
    void close_stopsWaitingAfterItsBound_andSendsTheRestToTheProcessLog() throws Exception {
        QueuedRequestLogStore queued = new QueuedRequestLogStore(store, QueuedRequestLogStore.CAPACITY, Duration.ofSeconds(1));
        proxy.hold();
        RequestLog inFlight = record();
        queued.write(inFlight);
        assertTrue(proxy.awaitArrivals(1));
        RequestLog waiting1 = record();
        RequestLog waiting2 = record();
        queued.write(waiting1);
        queued.write(waiting2);

        queued.close();  // the proxy holds the writer's request until the test releases it

        assertEquals(0, proxy.answered());
        assertEquals(Map.of(inFlight.requestId(), QueuedRequestLogStore.UNCONFIRMED_AT_CLOSE,
                waiting1.requestId(), QueuedRequestLogStore.CLOSED,
                waiting2.requestId(), QueuedRequestLogStore.CLOSED), logged());
        assertEquals(waiting1, loggedRecord(waiting1.requestId()));
        proxy.release();
        assertTrue(proxy.awaitAnswered(1), "the held write ends before the next test");
    }

    @Test
    void aBatchWithAnItemDynamoDbRefuses_writesTheOther24_andLogsThatOne() throws Exception {
        QueuedRequestLogStore queued = new QueuedRequestLogStore(store, QueuedRequestLogStore.CAPACITY, GENEROUS_DRAIN);
        proxy.hold();
        RequestLog blocker = record();
        queued.write(blocker);
        assertTrue(proxy.awaitArrivals(1));
        List<RequestLog> batch = new ArrayList<>();
        for (int i = 0; i < DynamoDbRequestLogStore.MAX_BATCH; i++) batch.add(i == 12 ? oversized() : record());
        RequestLog tooBig = batch.get(12);
        batch.forEach(queued::write);
        proxy.release();
        queued.close();

        List<Call> calls = proxy.calls();
        assertEquals(new Call("BatchWriteItem", DynamoDbRequestLogStore.MAX_BATCH), calls.get(1), "one batch of 25");
        assertEquals(DynamoDbRequestLogStore.MAX_BATCH, calls.stream().filter(c -> c.operation().equals("PutItem")).count(),
                "then one PutItem each: " + calls);
        for (RequestLog r : batch) {
            if (r != tooBig) assertEquals(r, stored(r.requestId()), r.requestId());
        }
        assertTrue(stored(tooBig.requestId()) == null);
        assertEquals(Map.of(tooBig.requestId(), "ValidationException"), logged());
        assertEquals(tooBig, loggedRecord(tooBig.requestId()));
    }

    @Test
    void writeAll_resendsUnprocessedItems_untilTheyLand() {
        List<RequestLog> batch = records(DynamoDbRequestLogStore.MAX_BATCH);
        proxy.leaveUnprocessed(5, 2);

        store.writeAll(batch);

        assertEquals(List.of(new Call("BatchWriteItem", 25), new Call("BatchWriteItem", 5), new Call("BatchWriteItem", 5)),
                proxy.calls());
        for (RequestLog r : batch) assertEquals(r, stored(r.requestId()), r.requestId());
        assertEquals(Map.of(), logged());
    }

    @Test
    void writeAll_logsWhatIsStillUnprocessedAfterItsResends_withoutPausing() {
        List<RequestLog> batch = records(DynamoDbRequestLogStore.MAX_BATCH);
        proxy.leaveUnprocessed(1, Integer.MAX_VALUE);

        store.writeAll(batch);

        int resends = DynamoDbRequestLogStore.UNPROCESSED_BACKOFF.size();
        assertEquals(1 + resends, proxy.calls().size(), proxy.calls().toString());
        RequestLog last = batch.get(24);
        assertEquals(Map.of(last.requestId(), DynamoDbRequestLogStore.UNPROCESSED), logged());
        for (RequestLog r : batch.subList(0, 24)) assertEquals(r, stored(r.requestId()));

        proxy.leaveUnprocessed(0, 0);
        RequestLog next = record();
        store.writeAll(List.of(next));
        assertEquals(next, stored(next.requestId()), "throttling is no outage: DynamoDB is not paused");
    }

    @Test
    void writeAll_splitsIntoBatchesOf25() {
        List<RequestLog> records = records(60);

        store.writeAll(records);

        assertEquals(List.of(new Call("BatchWriteItem", 25), new Call("BatchWriteItem", 25), new Call("BatchWriteItem", 10)),
                proxy.calls());
        for (RequestLog r : records) assertEquals(r, stored(r.requestId()));
    }

    @Test
    void writeAll_afterAFailure_logsEverythingAndSkipsDynamoDbForThePause() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        DynamoDbRequestLogStore missing = new DynamoDbRequestLogStore(proxied, "no-such-table-" + IDS.incrementAndGet(), clock);
        List<RequestLog> failing = records(3);
        missing.writeAll(failing);
        List<RequestLog> duringPause = records(2);

        missing.writeAll(duringPause);

        Map<String, String> expected = new LinkedHashMap<>();
        failing.forEach(r -> expected.put(r.requestId(), "ResourceNotFoundException"));
        duringPause.forEach(r -> expected.put(r.requestId(), DynamoDbRequestLogStore.PAUSED));
        assertEquals(expected, logged());
        assertEquals(1, proxy.calls().size(), "DynamoDB was not asked during the pause");
    }

    @Test
    void aSingleWriteDynamoDbRefuses_isLogged_withoutPausing() {
        RequestLog tooBig = oversized();

        store.write(tooBig);
        RequestLog next = record();
        store.write(next);

        assertEquals(Map.of(tooBig.requestId(), "ValidationException"), logged());
        assertEquals(next, stored(next.requestId()));
    }

    // --- helpers

    /** Request id → reason of every record the stores sent to the process log. */
    private Map<String, String> logged() {
        Map<String, String> reasons = new LinkedHashMap<>();
        for (JsonNode line : loggedLines()) reasons.put(line.get("record").get("request_id").asText(), line.get("reason").asText());
        return reasons;
    }

    private RequestLog loggedRecord(String requestId) {
        for (JsonNode line : loggedLines()) {
            if (line.get("record").get("request_id").asText().equals(requestId)) {
                return Json.convert(line.get("record"), RequestLog.class);
            }
        }
        return null;
    }

    private List<JsonNode> loggedLines() {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : stderr.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.contains("\"request_log_write_failed\"")) continue;
            try {
                lines.add(LINES.readTree(line));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return lines;
    }

    private static RequestLog stored(String requestId) {
        Map<String, AttributeValue> item = direct.getItem(b -> b.tableName(TABLE).consistentRead(true)
                .key(Map.of(RequestLogTable.PARTITION_KEY, AttributeValue.fromS(requestId)))).item();
        return item == null || item.isEmpty() ? null : DynamoDbRequestLogStore.fromItem(item);
    }

    /** Waits (up to 30 s) until the thread waits, e.g. in a join. */
    private static void awaitWaiting(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (thread.getState() != Thread.State.TIMED_WAITING && thread.getState() != Thread.State.WAITING) {
            assertTrue(System.nanoTime() < deadline, "the thread never waited: " + thread.getState());
            Thread.sleep(10);
        }
    }

    private static List<RequestLog> records(int n) {
        List<RequestLog> records = new ArrayList<>();
        for (int i = 0; i < n; i++) records.add(record());
        return records;
    }

    private static RequestLog record() {
        return new RequestLog("req-queued-" + IDS.incrementAndGet() + "-" + System.nanoTime(), Instant.now(),
                "POST /v1/chat/completions", "gpt-4o", "openai/gpt-4o", 200, 42, 10, 5, 15, false, null, null,
                Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS));
    }

    /** A record DynamoDB refuses (as it refuses an item over 400 KB; Relay's own records are trimmed to fit). */
    private RequestLog oversized() {
        RequestLog r = record();
        proxy.refuse(r.requestId());
        return r;
    }
}
