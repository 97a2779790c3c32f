package relay.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import relay.aws.DynamoDbRequestLogStore;
import relay.core.Json;
import relay.core.log.Diagnostics;
import relay.core.log.RequestLog;
import relay.sinks.Dispatcher;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The forwarder's core, the same on Lambda and on the local server: stream items of the request-log
 * table in, records to every configured sink out. Each new item (INSERT) is read back into its
 * {@link RequestLog} with {@link DynamoDbRequestLogStore#fromItem}, so every field the store writes
 * reaches the sinks. A delivery that still fails after the dispatcher's retries goes to the failure
 * queue with its sink's name; only when that also fails is the item's id returned, for Lambda to
 * retry it (and, in the end, hand it to the event source's on-failure destination). Records of
 * requests refused for their Relay key ({@link #unauthenticated}) stay in the table and go to no sink.
 */
public final class LogForwarder {
    /** One change of the table's stream: its id (the sequence number), its kind and the new image. */
    public record StreamItem(String id, String eventName, Map<String, AttributeValue> newImage) {}

    private final Dispatcher dispatcher;
    private final FailureQueue failures;
    private final Clock clock;

    public LogForwarder(Dispatcher dispatcher, FailureQueue failures, Clock clock) {
        this.dispatcher = dispatcher;
        this.failures = failures;
        this.clock = clock;
    }

    /** Whether any sink is configured; without one, nothing is read or sent. */
    public boolean active() {
        return !dispatcher.isEmpty();
    }

    /** Forwards the items' records; returns the ids of the items that must be read again, in stream order. */
    public List<String> forward(List<StreamItem> items) {
        if (!active()) return List.of();
        Map<RequestLog, String> ids = new IdentityHashMap<>();
        List<RequestLog> logs = new ArrayList<>();
        Set<String> retry = ConcurrentHashMap.newKeySet();
        List<Runnable> queueSends = new ArrayList<>();
        for (StreamItem item : items) {
            if (!"INSERT".equals(item.eventName()) || item.newImage() == null || item.newImage().isEmpty()) continue;
            try {
                RequestLog log = DynamoDbRequestLogStore.fromItem(item.newImage());
                if (unauthenticated(log)) continue;
                ids.put(log, item.id());
                logs.add(log);
            } catch (RuntimeException e) {
                String reason = "not a request-log record: " + e.getClass().getSimpleName();
                queueSends.add(() -> queue(FailedDelivery.unreadable(item.id(), toJson(item.newImage()), reason, clock.instant()),
                        item.id(), retry));
            }
        }
        for (Dispatcher.Failure f : dispatcher.deliver(logs)) {
            String id = ids.get(f.log());
            queueSends.add(() -> queue(FailedDelivery.of(f.log(), f.sink(), f.reason(), f.attempts(), clock.instant()), id, retry));
        }
        if (!queueSends.isEmpty()) {
            try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
                queueSends.forEach(executor::submit);
            }
        }
        List<String> failed = new ArrayList<>(new LinkedHashSet<>(items.stream().map(StreamItem::id).filter(retry::contains).toList()));
        if (!failed.isEmpty()) Diagnostics.warn("log_forwarder_items_failed", "items", failed.size());
        return failed;
    }

    /**
     * A request Relay refused for its own key (401 {@code invalid_api_key} before any provider was tried):
     * anyone can send those, as many as they like, without a key, so sending them on would hand cost and
     * noise at every vendor to whoever sends them. They carry no model, usage or cost; the table (and
     * GET /spend/logs) and the API's access log keep them. A provider's 401 has attempts and is sent; so is
     * a missing provider key ({@code provider_key_missing}), the operator's to fix.
     */
    static boolean unauthenticated(RequestLog log) {
        return log.unauthenticated();
    }

    private void queue(FailedDelivery delivery, String id, Set<String> retry) {
        try {
            failures.send(delivery);
        } catch (RuntimeException e) {
            Diagnostics.warn("log_failure_queue_failed", "sink", delivery.sink(), "request_id", delivery.requestId(),
                    "error", e.getClass().getSimpleName());
            retry.add(id);
        }
    }

    /** An item as DynamoDB JSON ({@code {"name": {"S": "…"}}}), for the failure queue. */
    static JsonNode toJson(Map<String, AttributeValue> item) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        item.forEach((k, v) -> json.set(k, toJson(v)));
        return json;
    }

    private static JsonNode toJson(AttributeValue v) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        switch (v.type()) {
            case S -> node.put("S", v.s());
            case N -> node.put("N", v.n());
            case B -> node.put("B", v.b().asByteArray());
            case BOOL -> node.put("BOOL", v.bool());
            case NUL -> node.put("NULL", true);
            case SS -> v.ss().forEach(node.putArray("SS")::add);
            case NS -> v.ns().forEach(node.putArray("NS")::add);
            case BS -> v.bs().stream().map(SdkBytes::asByteArray).forEach(node.putArray("BS")::add);
            case L -> {
                var list = node.putArray("L");
                v.l().forEach(e -> list.add(toJson(e)));
            }
            case M -> node.set("M", toJson(v.m()));
            default -> node.put("UNKNOWN", String.valueOf(v));
        }
        return node;
    }
}
