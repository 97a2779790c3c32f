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
 * A loopback server for the hosts that speak OpenAI's API with their own URLs and quirks: Azure
 * OpenAI ({@code /openai/deployments/{d}/chat/completions?api-version=}), OpenRouter, the
 * OpenAI-compatible hosts, and OpenAI's legacy {@code /completions}. It records every request (query
 * string included), replays scripted replies (recorded bodies and streams, errors), and otherwise
 * answers like a model would: {@code "Echo: <last user text>"}; a tool call to the first tool when
 * tools are offered; {@code "Tool said: <result>"} after a tool result; {@code "Echo: <prompt>"} on
 * {@code /completions}.
 */
public final class FakeOpenAiCompatible extends FakeProviderServer<FakeOpenAiCompatible.Reply> {
    private static final long CREATED = 1_700_000_000L;

    /** One scripted reply, used once, in the order enqueued. */
    public sealed interface Reply {
        /** A status with a body (a recorded answer, or an error body) and optional headers. */
        record Body(int status, String body, Map<String, String> headers) implements Reply, Canned {
            public Body(int status, String body) {
                this(status, body, Map.of());
            }
        }

        /**
         * A 200 event stream: each line of {@code events} is one event's JSON, sent as {@code data:};
         * lines starting with ':' are sent as SSE comments; {@code [DONE]} follows when {@code done}.
         */
        record Events(List<String> events, boolean done) implements Reply {}
    }

    private FakeOpenAiCompatible() {
        super("/v1"); // as OpenAI's SDKs name it; origin() is the host, for Azure and the like
    }

    public static FakeOpenAiCompatible start() {
        return new FakeOpenAiCompatible();
    }

    /** OpenAI's error body. */
    public static String errorBody(String message, String type, String code) {
        return FakeOpenAi.errorBody(message, type, code);
    }

    @Override
    protected void respond(HttpExchange exchange, Recorded received) throws IOException {
        Reply reply = nextReply();
        if (sendCanned(exchange, reply)) return;
        if (reply instanceof Reply.Events e) {
            StringBuilder sse = new StringBuilder();
            for (String event : e.events()) {
                if (event.isBlank()) continue;
                sse.append(event.startsWith(":") ? event + "\n\n" : "data: " + event + "\n\n");
            }
            if (e.done()) sse.append("data: [DONE]\n\n");
            send(exchange, 200, "text/event-stream", sse.toString());
            return;
        }
        String path = received.path();
        JsonNode request = received.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(received.body());
        String model = request.hasNonNull("model") ? request.get("model").asText() : deploymentIn(path);
        if (path.endsWith("/chat/completions")) {
            chat(exchange, request, model);
        } else if (path.endsWith("/completions")) {
            completion(exchange, request, model);
        } else {
            send(exchange, 404, "application/json", errorBody("Unknown path " + path, "invalid_request_error", null));
        }
    }

    /** Azure names the deployment in the path, not the body. */
    private static String deploymentIn(String path) {
        String[] parts = path.split("/");
        for (int i = 0; i < parts.length - 1; i++) if (parts[i].equals("deployments")) return parts[i + 1];
        return "unknown";
    }

    private void chat(HttpExchange exchange, JsonNode request, String model) throws IOException {
        JsonNode messages = request.path("messages");
        JsonNode last = messages.isEmpty() ? JSON.createObjectNode() : messages.get(messages.size() - 1);
        boolean callTool = request.path("tools").isArray() && !request.path("tools").isEmpty()
                && !"tool".equals(last.path("role").asText());
        String toolName = request.path("tools").path(0).path("function").path("name").asText();
        String arguments = JSON.createObjectNode().put("input", lastUserText(messages)).toString();
        String text = "tool".equals(last.path("role").asText()) ? "Tool said: " + text(last.path("content"))
                : "Echo: " + lastUserText(messages);
        boolean stream = request.path("stream").asBoolean(false);
        if (!stream) {
            ObjectNode response = JSON.createObjectNode();
            response.put("id", "chatcmpl-fake").put("object", "chat.completion").put("created", CREATED).put("model", model);
            ObjectNode choice = response.putArray("choices").addObject().put("index", 0);
            ObjectNode message = choice.putObject("message").put("role", "assistant");
            if (callTool) {
                message.putNull("content");
                ObjectNode call = message.putArray("tool_calls").addObject();
                call.put("id", "call_fake_1").put("type", "function");
                call.putObject("function").put("name", toolName).put("arguments", arguments);
            } else {
                message.put("content", text);
            }
            choice.putNull("logprobs").put("finish_reason", callTool ? "tool_calls" : "stop");
            response.putObject("usage").put("prompt_tokens", 10).put("completion_tokens", 5).put("total_tokens", 15);
            send(exchange, 200, "application/json", response.toString());
            return;
        }
        List<String> deltas = new ArrayList<>();
        deltas.add("{\"role\":\"assistant\",\"content\":" + (callTool ? "null" : "\"\"") + "}");
        if (callTool) {
            ObjectNode first = JSON.createObjectNode();
            ObjectNode call = first.putArray("tool_calls").addObject().put("index", 0).put("id", "call_fake_1").put("type", "function");
            call.putObject("function").put("name", toolName).put("arguments", "");
            deltas.add(first.toString());
            int half = arguments.length() / 2;
            for (String part : List.of(arguments.substring(0, half), arguments.substring(half))) {
                ObjectNode next = JSON.createObjectNode();
                next.putArray("tool_calls").addObject().put("index", 0).putObject("function").put("arguments", part);
                deltas.add(next.toString());
            }
        } else {
            for (String word : text.split("(?<= )")) deltas.add(JSON.createObjectNode().put("content", word).toString());
        }
        StringBuilder sse = new StringBuilder();
        for (String delta : deltas) sse.append(event(chatChunk(model, delta, null)));
        sse.append(event(chatChunk(model, "{}", callTool ? "tool_calls" : "stop")));
        if (request.path("stream_options").path("include_usage").asBoolean(false)) {
            sse.append(event("{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":" + CREATED
                    + ",\"model\":\"" + model + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}"));
        }
        sse.append("data: [DONE]\n\n");
        send(exchange, 200, "text/event-stream", sse.toString());
    }

    private void completion(HttpExchange exchange, JsonNode request, String model) throws IOException {
        String text = "Echo: " + request.path("prompt").asText();
        if (!request.path("stream").asBoolean(false)) {
            ObjectNode response = JSON.createObjectNode();
            response.put("id", "cmpl-fake").put("object", "text_completion").put("created", CREATED).put("model", model);
            response.putArray("choices").addObject().put("text", text).put("index", 0).putNull("logprobs").put("finish_reason", "stop");
            response.putObject("usage").put("prompt_tokens", 4).put("completion_tokens", 6).put("total_tokens", 10);
            send(exchange, 200, "application/json", response.toString());
            return;
        }
        StringBuilder sse = new StringBuilder();
        for (String word : text.split("(?<= )")) sse.append(event(completionChunk(model, word, null)));
        sse.append(event(completionChunk(model, "", "stop")));
        if (request.path("stream_options").path("include_usage").asBoolean(false)) {
            sse.append(event("{\"id\":\"cmpl-fake\",\"object\":\"text_completion\",\"created\":" + CREATED + ",\"model\":\"" + model
                    + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":6,\"total_tokens\":10}}"));
        }
        sse.append("data: [DONE]\n\n");
        send(exchange, 200, "text/event-stream", sse.toString());
    }

    private static String chatChunk(String model, String delta, String finishReason) {
        return "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":" + CREATED + ",\"model\":\"" + model
                + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
                + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
    }

    private static String completionChunk(String model, String text, String finishReason) {
        ObjectNode chunk = JSON.createObjectNode();
        chunk.put("id", "cmpl-fake").put("object", "text_completion").put("created", CREATED).put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("text", text).put("index", 0);
        choice.putNull("logprobs");
        if (finishReason == null) choice.putNull("finish_reason"); else choice.put("finish_reason", finishReason);
        return chunk.toString();
    }

    private static String event(String json) {
        return "data: " + json + "\n\n";
    }

    private static String lastUserText(JsonNode messages) {
        String text = "";
        for (JsonNode message : messages) {
            if ("user".equals(message.path("role").asText())) text = text(message.path("content"));
        }
        return text;
    }

    private static String text(JsonNode content) {
        if (content.isTextual()) return content.asText();
        StringBuilder text = new StringBuilder();
        if (content instanceof ArrayNode parts) {
            for (JsonNode part : parts) if (part.hasNonNull("text")) text.append(part.get("text").asText());
        }
        return text.toString();
    }
}
