package relay.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import relay.core.Json;
import relay.core.error.Redaction;
import relay.core.log.RequestLog;

/**
 * One request-log record as the sinks see it: the record itself, plus
 * <ul>
 *   <li>{@link #fields()}: every field of the record as JSON (snake_case, as {@link Json#MAPPER} writes
 *       it), so a field added to {@link RequestLog} reaches the sinks' generic properties without a
 *       change here; redacted: fields named like a credential are removed anywhere in the tree, every
 *       string is scrubbed of key-shaped text, and the bodies are never part of it;</li>
 *   <li>{@link #requestBody()} / {@link #responseBody()}: the message text, only when message logging is
 *       on (never with {@code turn_off_message_logging}, whatever the record holds), scrubbed too.</li>
 * </ul>
 * With message logging off, free text that may echo a prompt (the error message, the attempts'
 * messages) is left out as well.
 */
public record SinkEvent(RequestLog log, ObjectNode fields, JsonNode requestBody, String responseBody) {

    /** Names of fields that hold credentials, wherever they appear (metadata included). */
    private static final Pattern SENSITIVE = Pattern.compile(
            "(?i).*(api[_-]?key|secret|passw(or)?d|authori[sz]ation|credential|private[_-]?key|access[_-]?token"
                    + "|session[_-]?token|refresh[_-]?token|bearer|cookie).*|(?i)(.*[_-])?(token|key)");
    /** The record's own fields that name a credential only by hash or alias: safe. */
    private static final List<String> SAFE = List.of("key_hash", "key_alias");
    /** Free text that can echo message content; sent only while message logging is on. */
    private static final List<String> FREE_TEXT = List.of("error_message", "message");

    public static SinkEvent of(RequestLog log, boolean logMessages) {
        ObjectNode fields = Json.MAPPER.valueToTree(log);
        fields.remove("bodies");
        redact(fields, logMessages);
        JsonNode request = null;
        String response = null;
        RequestLog.Bodies bodies = log.bodies();
        if (logMessages && bodies != null) {
            request = parseOrText(bodies.request());
            if (request != null) request = scrubTree(request);
            response = bodies.response() == null ? null : Redaction.scrub(bodies.response(), null);
        }
        return new SinkEvent(log, fields, request, response);
    }

    /** A successful request: answered 2xx with no error. */
    public boolean success() {
        return log.status() < 400 && log.errorType() == null;
    }

    public String requestId() {
        return log.requestId();
    }

    /** The model as the provider names it: the deployment's model, else the requested model. */
    public String model() {
        String deployment = log.deployment();
        if (deployment != null && deployment.contains("/")) return deployment.substring(deployment.indexOf('/') + 1);
        if (deployment != null) return deployment;
        return log.requestedModel();
    }

    /** The provider of the deployment that answered; null when none did. */
    public String provider() {
        if (log.provider() != null) return log.provider();
        String deployment = log.deployment();
        return deployment != null && deployment.contains("/") ? deployment.substring(0, deployment.indexOf('/')) : null;
    }

    /** The end user as the request named it ({@code user}); null when it named none. */
    public String user() {
        String user = log.caller() == null ? null : log.caller().user();
        return user == null || user.isBlank() ? null : Redaction.scrub(user, null);
    }

    /** The request's metadata, redacted as {@link #fields()} is. */
    public JsonNode metadata() {
        return fields.path("caller").path("metadata");
    }

    /** Embeddings or chat: what kind of call this was, from its route. */
    public boolean embedding() {
        return log.route() != null && log.route().endsWith("/embeddings");
    }

    /** The request's {@code messages} (chat) or {@code input} (embeddings); null when not logged. */
    public JsonNode messages() {
        if (requestBody == null || !requestBody.isObject()) return null;
        if (requestBody.has("messages")) return requestBody.get("messages");
        if (requestBody.has("input")) return requestBody.get("input");
        if (requestBody.has("prompt")) return requestBody.get("prompt");
        return null;
    }

    /** The response body as JSON, when it is JSON (a streamed answer is kept as its text). */
    public JsonNode responseJson() {
        if (responseBody == null) return null;
        JsonNode node = parseOrText(responseBody);
        return node != null && node.isContainerNode() ? node : null;
    }

    /** The answer's text: {@code choices[0].message.content} of a JSON response, else the raw response. */
    public String responseText() {
        JsonNode json = responseJson();
        if (json != null) {
            JsonNode content = json.path("choices").path(0).path("message").path("content");
            if (content.isTextual()) return content.asText();
            JsonNode text = json.path("choices").path(0).path("text");
            if (text.isTextual()) return text.asText();
        }
        return responseBody;
    }

    private static JsonNode parseOrText(String text) {
        if (text == null) return null;
        try {
            JsonNode node = Json.MAPPER.readTree(text);
            return node == null ? TextNode.valueOf(text) : node;
        } catch (IOException e) {
            return TextNode.valueOf(text);
        }
    }

    static boolean sensitive(String name) {
        return !SAFE.contains(name.toLowerCase(Locale.ROOT)) && SENSITIVE.matcher(name).matches();
    }

    private static void redact(JsonNode node, boolean logMessages) {
        if (node instanceof ObjectNode object) {
            List<String> drop = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String name = field.getKey();
                JsonNode value = field.getValue();
                if (sensitive(name) || (!logMessages && FREE_TEXT.contains(name) && value.isTextual())) {
                    drop.add(name);
                } else if (value.isTextual()) {
                    object.put(name, Redaction.scrub(value.asText(), null));
                } else {
                    redact(value, logMessages);
                }
            }
            object.remove(drop);
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i).isTextual()) array.set(i, TextNode.valueOf(Redaction.scrub(array.get(i).asText(), null)));
                else redact(array.get(i), logMessages);
            }
        }
    }

    /** A body with credential-named fields removed and key-shaped text scrubbed, structure kept. */
    private static JsonNode scrubTree(JsonNode node) {
        if (node.isTextual()) return TextNode.valueOf(Redaction.scrub(node.asText(), null));
        JsonNode copy = node.deepCopy();
        redact(copy, true);
        return copy;
    }
}
