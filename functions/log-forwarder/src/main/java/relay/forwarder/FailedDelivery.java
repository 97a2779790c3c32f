package relay.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import relay.core.Json;
import relay.core.log.RequestLog;

/**
 * A delivery that failed for good, as the failure queue keeps it: the sink, why, and the whole
 * record ({@code record}, {@link RequestLog} as JSON, which reads back with
 * {@code Json.MAPPER.treeToValue(node, RequestLog.class)}), so it can be sent again once the sink is
 * back. A stream item that was no request-log record at all has {@code sink} {@code "*"} and its
 * raw DynamoDB image as {@code item} instead.
 */
public record FailedDelivery(String sink, String reason, int attempts, String requestId, RequestLog record,
                             JsonNode rawItem, Instant failedAt) {

    public static FailedDelivery of(RequestLog record, String sink, String reason, int attempts, Instant failedAt) {
        return new FailedDelivery(sink, reason, attempts, record.requestId(), record, null, failedAt);
    }

    public static FailedDelivery unreadable(String streamId, JsonNode rawItem, String reason, Instant failedAt) {
        return new FailedDelivery("*", reason, 0, streamId, null, rawItem, failedAt);
    }

    /** The queue message: {@code {"sink", "reason", "attempts", "request_id", "failed_at", "record" | "item"}}. */
    public String toJson() {
        ObjectNode message = Json.MAPPER.createObjectNode();
        message.put("sink", sink);
        message.put("reason", reason);
        message.put("attempts", attempts);
        message.put("request_id", requestId);
        message.put("failed_at", failedAt.toString());
        if (record != null) message.set("record", Json.MAPPER.valueToTree(record));
        if (rawItem != null) message.set("item", rawItem);
        return message.toString();
    }
}
