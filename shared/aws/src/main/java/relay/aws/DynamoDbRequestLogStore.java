package relay.aws;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import relay.core.log.Attempt;
import relay.core.log.Diagnostics;
import relay.core.log.LogQuery;
import relay.core.log.RequestLog;
import relay.core.log.RequestLogStore;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Writes one item per request, alone ({@link #write}) or up to {@value #MAX_BATCH} at a time ({@link #writeAll}).
 * When DynamoDB fails, the record goes to the process's own log (stderr; CloudWatch on Lambda) in full instead,
 * so it is not lost, and the client never notices. After a failure the store stops trying DynamoDB for
 * {@link #PAUSE_AFTER_FAILURE}, so an outage does not add a timeout to every write. An item DynamoDB refuses
 * on its own (a ValidationException, e.g. over 400 KB) is no outage: that record alone goes to the log.
 */
public final class DynamoDbRequestLogStore implements RequestLogStore {
    static final Duration PAUSE_AFTER_FAILURE = Duration.ofSeconds(10);
    /** DynamoDB's limit on the writes in one BatchWriteItem. */
    public static final int MAX_BATCH = 25;
    /**
     * The waits before each resend of what a BatchWriteItem left unprocessed (DynamoDB throttling the table):
     * short and few, as one thread writes every batch; what is still unprocessed after them goes to the log.
     */
    static final List<Duration> UNPROCESSED_BACKOFF = List.of(Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofMillis(800));

    static final String PAUSED = "dynamodb_paused";
    static final String UNPROCESSED = "unprocessed_items";

    private final DynamoDbClient dynamoDb;
    private final String tableName;
    private final Clock clock;
    private volatile Instant pausedUntil = Instant.MIN;

    public DynamoDbRequestLogStore(DynamoDbClient dynamoDb, String tableName) {
        this(dynamoDb, tableName, Clock.systemUTC());
    }

    public DynamoDbRequestLogStore(DynamoDbClient dynamoDb, String tableName, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.tableName = tableName;
        this.clock = clock;
    }

    /** One PutItem. */
    @Override
    public void write(RequestLog record) {
        if (paused()) {
            keepInProcessLog(record, PAUSED);
            return;
        }
        try {
            dynamoDb.putItem(PutItemRequest.builder().tableName(tableName).item(toItem(record)).build());
        } catch (RuntimeException e) {
            failed(List.of(record), e);
        }
    }

    /**
     * BatchWriteItems of up to {@value #MAX_BATCH}; never throws. What DynamoDB leaves unprocessed is resent
     * after each of {@link #UNPROCESSED_BACKOFF}, then logged. A batch DynamoDB refuses because of one item
     * (it refuses the whole batch then) is written again one PutItem per record, so only that record is logged.
     */
    public void writeAll(List<RequestLog> records) {
        for (int from = 0; from < records.size(); from += MAX_BATCH) {
            writeBatch(records.subList(from, Math.min(records.size(), from + MAX_BATCH)));
        }
    }

    private void writeBatch(List<RequestLog> batch) {
        if (paused()) {
            batch.forEach(record -> keepInProcessLog(record, PAUSED));
            return;
        }
        Map<String, RequestLog> byId = new HashMap<>();
        batch.forEach(record -> byId.put(record.requestId(), record));
        List<RequestLog> pending = batch;
        try {
            for (int resends = 0; ; resends++) {
                List<WriteRequest> writes = pending.stream()
                        .map(record -> WriteRequest.builder().putRequest(put -> put.item(toItem(record))).build())
                        .toList();
                List<WriteRequest> unprocessed = dynamoDb.batchWriteItem(b -> b.requestItems(Map.of(tableName, writes)))
                        .unprocessedItems().getOrDefault(tableName, List.of());
                pending = unprocessed.stream()
                        .map(w -> byId.get(w.putRequest().item().get(RequestLogTable.PARTITION_KEY).s()))
                        .toList();
                if (pending.isEmpty()) return;
                if (resends == UNPROCESSED_BACKOFF.size() || !sleep(UNPROCESSED_BACKOFF.get(resends))) break;
            }
            pending.forEach(record -> keepInProcessLog(record, UNPROCESSED));
        } catch (RuntimeException e) {
            if (refusesAnItem(e)) {
                pending.forEach(this::write);
            } else {
                failed(pending, e);
            }
        }
    }

    private boolean paused() {
        return clock.instant().isBefore(pausedUntil);
    }

    /** Logs the records; pauses DynamoDB unless it refused an item itself, which says nothing of the next one. */
    private void failed(List<RequestLog> records, RuntimeException e) {
        if (!refusesAnItem(e)) pausedUntil = clock.instant().plus(PAUSE_AFTER_FAILURE);
        String reason = Objects.requireNonNullElse(errorCode(e), e.getClass().getSimpleName());
        records.forEach(record -> keepInProcessLog(record, reason));
    }

    private static boolean refusesAnItem(RuntimeException e) {
        return "ValidationException".equals(errorCode(e));
    }

    /** DynamoDB's error code (ResourceNotFoundException, ValidationException, ...); null when it did not answer. */
    private static String errorCode(RuntimeException e) {
        return e instanceof AwsServiceException aws && aws.awsErrorDetails() != null ? aws.awsErrorDetails().errorCode() : null;
    }

    private static boolean sleep(Duration wait) {
        try {
            Thread.sleep(wait);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The one place a record that misses the table goes: a whole-record line on stderr. The record holds no key by
     * construction, and message text only where message logging is on, so it is as safe to print as to store.
     */
    void keepInProcessLog(RequestLog record, String reason) {
        Diagnostics.warn("request_log_write_failed", "table", tableName, "reason", reason, "record", record);
    }

    /**
     * DynamoDB refuses items over 400 KB; a record is trimmed to stay well under it (client-supplied
     * metadata and a long chain of attempts are what can grow), so it is stored rather than lost.
     */
    static final int MAX_ITEM_BYTES = 300 * 1024;
    /** What survives of client-supplied text in a trimmed record. */
    private static final int TRIMMED_TEXT_CHARS = 1024;
    /** Attempts a trimmed record keeps (the first ones: the last is also in error_message). */
    private static final int TRIMMED_ATTEMPTS = 20;

    /** The record's item, trimmed (and marked {@code trimmed}) when it would not fit DynamoDB's item limit. */
    public static Map<String, AttributeValue> toItem(RequestLog r) {
        Map<String, AttributeValue> item = fullItem(r);
        if (size(item) <= MAX_ITEM_BYTES) return item;
        item.remove("request_body");
        item.remove("response_body");
        item.put("trimmed", AttributeValue.fromBool(true));
        if (item.containsKey("metadata")) {
            Map<String, AttributeValue> metadata = new HashMap<>();
            item.get("metadata").m().entrySet().stream().limit(20).forEach(e ->
                    metadata.put(cut(e.getKey(), 128), s(cut(e.getValue().s(), TRIMMED_TEXT_CHARS))));
            item.put("metadata", AttributeValue.fromM(metadata));
        }
        for (String field : List.of("user", "key_alias", RequestLogTable.MODEL)) {
            if (item.containsKey(field)) item.put(field, s(cut(item.get(field).s(), TRIMMED_TEXT_CHARS)));
        }
        if (item.containsKey("attempts") && item.get("attempts").l().size() > TRIMMED_ATTEMPTS) {
            List<AttributeValue> attempts = item.get("attempts").l();
            item.put("attempts", AttributeValue.fromL(attempts.subList(0, TRIMMED_ATTEMPTS)));
            item.put("attempts_omitted", n(attempts.size() - TRIMMED_ATTEMPTS));
        }
        return item;
    }

    private static String cut(String text, int chars) {
        return text == null || text.length() <= chars ? text : text.substring(0, chars);
    }

    /** An upper bound of DynamoDB's item size: names and values in UTF-8 (at most 3 bytes a char), plus overhead. */
    static long size(Map<String, AttributeValue> item) {
        long bytes = 0;
        for (var e : item.entrySet()) bytes += 3L * e.getKey().length() + size(e.getValue());
        return bytes;
    }

    private static long size(AttributeValue v) {
        if (v.s() != null) return 3L * v.s().length();
        if (v.n() != null) return 21;
        if (v.hasM()) return 3 + size(v.m());
        if (v.hasL()) return 3 + v.l().stream().mapToLong(x -> 1 + size(x)).sum();
        return 1;
    }

    private static Map<String, AttributeValue> fullItem(RequestLog r) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(RequestLogTable.PARTITION_KEY, s(r.requestId()));
        item.put(RequestLogTable.TIME, s(r.time().toString()));
        item.put("route", s(r.route()));
        putString(item, RequestLogTable.KEY_HASH, r.caller().keyHash());
        putString(item, "key_alias", r.caller().keyAlias());
        putString(item, "user", r.caller().user());
        if (!r.caller().metadata().isEmpty()) {
            Map<String, AttributeValue> metadata = new HashMap<>();
            r.caller().metadata().forEach((k, v) -> metadata.put(k, s(v)));
            item.put("metadata", AttributeValue.fromM(metadata));
        }
        putString(item, RequestLogTable.MODEL, r.requestedModel());
        putString(item, "deployment", r.deployment());
        putString(item, "provider", r.provider());
        item.put("status", n(r.status()));
        item.put("latency_ms", n(r.latencyMillis()));
        if (r.providerLatencyMillis() != null) item.put("provider_latency_ms", n(r.providerLatencyMillis()));
        putNumber(item, "prompt_tokens", r.promptTokens());
        putNumber(item, "completion_tokens", r.completionTokens());
        putNumber(item, "total_tokens", r.totalTokens());
        if (r.costUsd() != null) item.put("cost_usd", AttributeValue.fromN(r.costUsd().toPlainString()));
        item.put("stream", AttributeValue.fromBool(r.stream()));
        putString(item, "cache_status", r.cacheStatus());
        putString(item, "error_type", r.errorType());
        putString(item, "error_code", r.errorCode());
        putString(item, "error_message", r.errorMessage());
        if (!r.attempts().isEmpty()) {
            item.put("attempts", AttributeValue.fromL(r.attempts().stream().map(DynamoDbRequestLogStore::attempt).toList()));
        }
        if (r.bodies() != null) {
            putString(item, "request_body", r.bodies().request());
            putString(item, "response_body", r.bodies().response());
            if (r.bodies().truncated()) item.put("bodies_truncated", AttributeValue.fromBool(true));
        }
        item.put(RequestLogTable.TTL_ATTRIBUTE, n(r.expiresAt().getEpochSecond()));
        return item;
    }

    private static AttributeValue attempt(Attempt a) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("deployment", s(a.deployment()));
        m.put("status", n(a.status()));
        putString(m, "error_type", a.errorType());
        putString(m, "message", a.message());
        m.put("latency_ms", n(a.latencyMillis()));
        return AttributeValue.fromM(m);
    }

    private static Attempt attempt(AttributeValue v) {
        Map<String, AttributeValue> m = v.m();
        return new Attempt(m.get("deployment").s(), Integer.parseInt(m.get("status").n()), string(m, "error_type"),
                string(m, "message"), Long.parseLong(m.get("latency_ms").n()));
    }

    /** The record an item holds; also reads index items, which lack the bodies. */
    public static RequestLog fromItem(Map<String, AttributeValue> item) {
        Map<String, String> metadata = new LinkedHashMap<>();
        if (item.containsKey("metadata")) item.get("metadata").m().forEach((k, v) -> metadata.put(k, v.s()));
        RequestLog.Bodies bodies = item.containsKey("request_body") || item.containsKey("response_body")
                ? new RequestLog.Bodies(string(item, "request_body"), string(item, "response_body"),
                        item.containsKey("bodies_truncated") && item.get("bodies_truncated").bool())
                : null;
        return new RequestLog(
                item.get(RequestLogTable.PARTITION_KEY).s(),
                Instant.parse(item.get(RequestLogTable.TIME).s()),
                item.get("route").s(),
                new RequestLog.Caller(string(item, RequestLogTable.KEY_HASH), string(item, "key_alias"), string(item, "user"), metadata),
                string(item, RequestLogTable.MODEL),
                string(item, "deployment"),
                string(item, "provider"),
                Integer.parseInt(item.get("status").n()),
                Long.parseLong(item.get("latency_ms").n()),
                item.containsKey("provider_latency_ms") ? Long.valueOf(item.get("provider_latency_ms").n()) : null,
                integer(item, "prompt_tokens"),
                integer(item, "completion_tokens"),
                integer(item, "total_tokens"),
                item.containsKey("cost_usd") ? new BigDecimal(item.get("cost_usd").n()) : null,
                item.containsKey("stream") && item.get("stream").bool(),
                string(item, "cache_status"),
                string(item, "error_type"),
                string(item, "error_code"),
                string(item, "error_message"),
                item.containsKey("attempts") ? item.get("attempts").l().stream().map(DynamoDbRequestLogStore::attempt).toList() : List.of(),
                bodies,
                Instant.ofEpochSecond(Long.parseLong(item.get(RequestLogTable.TTL_ATTRIBUTE).n())));
    }

    /**
     * By request id one GetItem; by key or model a Query of its index, newest first; otherwise a
     * Scan (filtered by time), which reads the table: give a key or a model on large tables.
     */
    @Override
    public List<RequestLog> find(LogQuery q) {
        int limit = Math.max(1, Math.min(q.limit(), LogQuery.MAX_LIMIT));
        if (q.requestId() != null) {
            var item = dynamoDb.getItem(b -> b.tableName(tableName)
                    .key(Map.of(RequestLogTable.PARTITION_KEY, s(q.requestId())))).item();
            return item == null || item.isEmpty() ? List.of() : List.of(fromItem(item));
        }
        String from = (q.from() == null ? Instant.EPOCH : q.from()).toString();
        String to = (q.to() == null ? Instant.parse("9999-12-31T23:59:59Z") : q.to()).toString();
        Map<String, String> names = new HashMap<>(Map.of("#t", RequestLogTable.TIME));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":from", s(from), ":to", s(to)));
        List<RequestLog> found = new ArrayList<>();
        if (q.keyHash() != null || q.model() != null) {
            boolean byKey = q.keyHash() != null;
            names.put("#p", byKey ? RequestLogTable.KEY_HASH : RequestLogTable.MODEL);
            values.put(":p", s(byKey ? q.keyHash() : q.model()));
            String filter = null;
            if (byKey && q.model() != null) {
                names.put("#m", RequestLogTable.MODEL);
                values.put(":m", s(q.model()));
                filter = "#m = :m";
            }
            QueryRequest.Builder query = QueryRequest.builder().tableName(tableName)
                    .indexName(byKey ? RequestLogTable.BY_KEY_INDEX : RequestLogTable.BY_MODEL_INDEX)
                    .keyConditionExpression("#p = :p AND #t BETWEEN :from AND :to")
                    .filterExpression(filter)
                    .expressionAttributeNames(names).expressionAttributeValues(values)
                    .scanIndexForward(false);
            for (var page : dynamoDb.queryPaginator(query.build())) {
                for (var item : page.items()) {
                    found.add(fromItem(item));
                    if (found.size() >= limit) return found;
                }
            }
            return found;
        }
        var scan = ScanRequest.builder().tableName(tableName)
                .filterExpression("#t BETWEEN :from AND :to")
                .expressionAttributeNames(names).expressionAttributeValues(values).build();
        for (var page : dynamoDb.scanPaginator(scan)) page.items().forEach(item -> found.add(fromItem(item)));
        found.sort(Comparator.comparing(RequestLog::time).reversed());
        return found.size() > limit ? List.copyOf(found.subList(0, limit)) : found;
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static void putString(Map<String, AttributeValue> item, String name, String value) {
        if (value != null && !value.isEmpty()) item.put(name, s(value));
    }

    private static void putNumber(Map<String, AttributeValue> item, String name, Integer value) {
        if (value != null) item.put(name, n(value));
    }

    private static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static Integer integer(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : Integer.valueOf(v.n());
    }
}
