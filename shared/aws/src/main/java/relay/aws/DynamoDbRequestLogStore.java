package relay.aws;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import relay.core.log.Attempt;
import relay.core.log.Diagnostics;
import relay.core.log.RequestLog;
import relay.core.log.RequestLogStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * Writes one item per request. When DynamoDB fails, the record goes to the function's own log
 * (CloudWatch) in full instead, so it is not lost, and the client never notices. After a failure the
 * store stops trying DynamoDB for {@link #PAUSE_AFTER_FAILURE}, so an outage does not add a timeout
 * to every request.
 */
public final class DynamoDbRequestLogStore implements RequestLogStore {
    static final Duration PAUSE_AFTER_FAILURE = Duration.ofSeconds(10);

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

    @Override
    public void write(RequestLog record) {
        if (clock.instant().isBefore(pausedUntil)) {
            keepInFunctionLog(record, "dynamodb_paused");
            return;
        }
        try {
            dynamoDb.putItem(PutItemRequest.builder().tableName(tableName).item(toItem(record)).build());
        } catch (RuntimeException e) {
            pausedUntil = clock.instant().plus(PAUSE_AFTER_FAILURE);
            keepInFunctionLog(record, e.getClass().getSimpleName());
        }
    }

    /** The record holds no key or message text by construction, so it is safe to print whole. */
    private void keepInFunctionLog(RequestLog record, String reason) {
        Diagnostics.warn("request_log_write_failed", "table", tableName, "reason", reason, "record", record);
    }

    public static Map<String, AttributeValue> toItem(RequestLog r) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(RequestLogTable.PARTITION_KEY, s(r.requestId()));
        item.put("time", s(r.time().toString()));
        item.put("route", s(r.route()));
        putString(item, "requested_model", r.requestedModel());
        putString(item, "deployment", r.deployment());
        item.put("status", n(r.status()));
        item.put("latency_ms", n(r.latencyMillis()));
        putNumber(item, "prompt_tokens", r.promptTokens());
        putNumber(item, "completion_tokens", r.completionTokens());
        putNumber(item, "total_tokens", r.totalTokens());
        item.put("stream", AttributeValue.fromBool(r.stream()));
        putString(item, "error_type", r.errorType());
        putString(item, "error_code", r.errorCode());
        item.put(RequestLogTable.TTL_ATTRIBUTE, n(r.expiresAt().getEpochSecond()));
        if (r.costUsd() != null) item.put("cost_usd", AttributeValue.fromN(r.costUsd().toPlainString()));
        if (!r.attempts().isEmpty()) {
            item.put("attempts", AttributeValue.fromL(r.attempts().stream().map(DynamoDbRequestLogStore::attempt).toList()));
        }
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

    public static RequestLog fromItem(Map<String, AttributeValue> item) {
        return new RequestLog(
                item.get(RequestLogTable.PARTITION_KEY).s(),
                Instant.parse(item.get("time").s()),
                item.get("route").s(),
                string(item, "requested_model"),
                string(item, "deployment"),
                Integer.parseInt(item.get("status").n()),
                Long.parseLong(item.get("latency_ms").n()),
                integer(item, "prompt_tokens"),
                integer(item, "completion_tokens"),
                integer(item, "total_tokens"),
                item.containsKey("stream") && item.get("stream").bool(),
                string(item, "error_type"),
                string(item, "error_code"),
                Instant.ofEpochSecond(Long.parseLong(item.get(RequestLogTable.TTL_ATTRIBUTE).n())),
                item.containsKey("attempts") ? item.get("attempts").l().stream().map(DynamoDbRequestLogStore::attempt).toList() : List.of(),
                item.containsKey("cost_usd") ? new java.math.BigDecimal(item.get("cost_usd").n()) : null);
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
