package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real HTTP server that speaks Anthropic's Messages API ({@code POST /v1/messages}, plain and
 * streamed) on loopback, records what it received, and replays scripted answers, streams and
 * errors. By default it answers {@code "Echo: <last user turn>"}, where a tool result's content
 * counts as the user turn's text.
 */
public final class FakeAnthropic extends FakeProviderServer<FakeAnthropic.Reply> {
    /** One scripted reply, used once, in the order enqueued; when none is queued the echo answer is sent. */
    public sealed interface Reply {
        /** A status with a body (an Anthropic error body for failures) and optional headers. */
        record Status(int status, String body, Map<String, String> headers) implements Reply, Canned {}

        /** A 200 with this message body, whether or not the request asked to stream. */
        record Message(String body) implements Reply {}

        /** A 200 event stream of these events (JSON objects; each one's {@code type} is its SSE event name). */
        record Events(List<String> events) implements Reply {}
    }

    private FakeAnthropic() {}

    public static FakeAnthropic start() {
        return new FakeAnthropic();
    }

    /** Anthropic's error body: {@code {"type":"error","error":{"type","message"},"request_id"}}. */
    public static String errorBody(String type, String message) {
        ObjectNode body = JSON.createObjectNode().put("type", "error");
        body.putObject("error").put("type", type).put("message", message);
        body.put("request_id", "req_fake");
        return body.toString();
    }

    @Override
    protected void respond(HttpExchange exchange, Recorded received) throws IOException {
        Reply reply = nextReply();
        if (sendCanned(exchange, reply)) return;
        if (reply instanceof Reply.Message m) {
            send(exchange, 200, "application/json", m.body());
            return;
        }
        if (reply instanceof Reply.Events e) {
            send(exchange, 200, "text/event-stream", sse(e.events()));
            return;
        }
        String path = received.path();
        if (!path.equals("/v1/messages") || !received.method().equals("POST")) {
            send(exchange, 404, "application/json", errorBody("not_found_error", "Not found: " + path));
            return;
        }
        JsonNode request = JSON.readTree(received.body());
        String model = request.path("model").asText();
        String text = "Echo: " + lastUserText(request);
        if (request.path("stream").asBoolean(false)) {
            send(exchange, 200, "text/event-stream", sse(echoEvents(model, text)));
        } else {
            send(exchange, 200, "application/json", message(model, text).toString());
        }
    }

    private static ObjectNode message(String model, String text) {
        ObjectNode message = JSON.createObjectNode();
        message.put("id", "msg_fake").put("type", "message").put("role", "assistant").put("model", model);
        message.putArray("content").addObject().put("type", "text").put("text", text);
        message.put("stop_reason", "end_turn").putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", 10).put("output_tokens", 5);
        return message;
    }

    /** The echo answer as Anthropic streams it, one text delta per word. */
    private static List<String> echoEvents(String model, String text) {
        List<String> events = new ArrayList<>();
        ObjectNode start = JSON.createObjectNode().put("type", "message_start");
        ObjectNode message = start.putObject("message");
        message.put("id", "msg_fake").put("type", "message").put("role", "assistant").put("model", model);
        message.putArray("content");
        message.putNull("stop_reason").putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", 10).put("output_tokens", 1);
        events.add(start.toString());
        events.add("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
        events.add("{\"type\":\"ping\"}");
        for (String word : text.split("(?<= )")) {
            ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
            delta.putObject("delta").put("type", "text_delta").put("text", word);
            events.add(delta.toString());
        }
        events.add("{\"type\":\"content_block_stop\",\"index\":0}");
        events.add("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                + "\"usage\":{\"output_tokens\":5}}");
        events.add("{\"type\":\"message_stop\"}");
        return events;
    }

    private static String sse(List<String> events) throws IOException {
        StringBuilder sse = new StringBuilder();
        for (String event : events) {
            sse.append("event: ").append(JSON.readTree(event).path("type").asText()).append('\n')
                    .append("data: ").append(event).append("\n\n");
        }
        return sse.toString();
    }

    /** The last user turn's text blocks, or its tool results' content, joined by spaces. */
    private static String lastUserText(JsonNode request) {
        String text = "";
        for (JsonNode message : request.path("messages")) {
            if (!"user".equals(message.path("role").asText())) continue;
            JsonNode content = message.path("content");
            if (content.isTextual()) {
                text = content.asText();
                continue;
            }
            List<String> parts = new ArrayList<>();
            for (JsonNode block : content) {
                if (block.path("text").isTextual()) parts.add(block.path("text").asText());
                if ("tool_result".equals(block.path("type").asText())) parts.add(resultText(block.path("content")));
            }
            text = String.join(" ", parts);
        }
        return text;
    }

    private static String resultText(JsonNode content) {
        if (!content.isArray()) return content.asText();
        List<String> parts = new ArrayList<>();
        for (JsonNode block : (ArrayNode) content) parts.add(block.path("text").asText());
        return String.join(" ", parts);
    }
}
