package relay.core.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import relay.core.Json;
import relay.core.error.RelayException;

/**
 * Turns a request body into a validated request record. Every rejection is a 400 whose message and
 * {@code param} name the offending field, so a client can fix its call without reading our code.
 */
public final class RequestParser {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    private static final int MAX_MODEL_LENGTH = 256;

    private RequestParser() {}

    /**
     * Parses the body as one JSON object; rejects empty, malformed, non-UTF-8 (overlong forms included) and overly
     * nested bodies, and numbers no 64-bit float can hold ({@code 1e309}), anywhere in the body.
     */
    public static ObjectNode parseObject(byte[] body) {
        if (body == null || body.length == 0) {
            throw RelayException.invalid(null, "The request body is empty; send a JSON object.");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(utf8(body));
        } catch (StreamConstraintsException e) {
            throw RelayException.invalid(null, "The request body is nested too deeply (more than "
                    + Json.MAX_NESTING_DEPTH + " levels).");
        } catch (JsonProcessingException e) {
            throw RelayException.invalid(null, "The request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw RelayException.invalid(null, "The request body could not be read as JSON.");
        }
        if (node == null || node.isMissingNode()) {
            throw RelayException.invalid(null, "The request body is empty; send a JSON object.");
        }
        if (!node.isObject()) {
            throw RelayException.invalid(null, "The request body must be a JSON object, not " + describe(node) + ".");
        }
        requireFiniteNumbers(node, "");
        return (ObjectNode) node;
    }

    /**
     * The body as text, decoded strictly: JSON's parser would read an overlong form such as {@code C0 AF} as
     * {@code /}, so a malformed sequence is refused before it can mean anything. A leading byte-order mark is
     * dropped, as the parser did.
     */
    private static String utf8(byte[] body) {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.wrap(body);
        String text;
        try {
            text = decoder.decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw RelayException.invalid(null, "The request body is not valid JSON: it is not valid UTF-8 (a malformed "
                    + "byte sequence at byte " + bytes.position() + ").");
        }
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /**
     * Refuses a number that overflows a 64-bit float ({@code 1e309} reads as infinity): no provider can take it, and
     * it would reach one as {@code Infinity}, which is not JSON.
     */
    private static void requireFiniteNumbers(JsonNode node, String path) {
        if (node.isNumber()) {
            if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
                throw RelayException.invalid(path, "'" + path + "' is a number too large for a 64-bit float (it reads as "
                        + "infinity); send a finite number.");
            }
        } else if (node.isObject()) {
            for (var field : node.properties()) {
                requireFiniteNumbers(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey());
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) requireFiniteNumbers(node.get(i), path + "[" + i + "]");
        }
    }

    public static ChatCompletionRequest chat(ObjectNode body) {
        String model = model(body);
        List<ChatMessage> messages = messages(body);
        boolean stream = optionalBoolean(body, "stream", false);
        Double temperature = optionalNumber(body, "temperature", 0, 2);
        Double topP = optionalNumber(body, "top_p", 0, 1);
        optionalNumber(body, "presence_penalty", -2, 2);
        optionalNumber(body, "frequency_penalty", -2, 2);
        Integer n = optionalInt(body, "n", 1, 128);
        Integer maxTokens = optionalInt(body, "max_tokens", 1, Integer.MAX_VALUE);
        Integer maxCompletionTokens = optionalInt(body, "max_completion_tokens", 1, Integer.MAX_VALUE);
        List<String> stop = stop(body);
        Long seed = optionalLong(body, "seed");
        JsonNode tools = optionalArray(body, "tools");
        JsonNode toolChoice = body.get("tool_choice");
        if (toolChoice != null && !toolChoice.isNull() && !toolChoice.isTextual() && !toolChoice.isObject()) {
            throw RelayException.invalid("tool_choice", "'tool_choice' must be a string or an object.");
        }
        JsonNode responseFormat = optionalObject(body, "response_format");
        if (responseFormat != null && !responseFormat.path("type").isTextual()) {
            throw RelayException.invalid("response_format.type", "'response_format.type' must be a string such as \"json_object\".");
        }
        optionalObject(body, "stream_options");
        optionalObject(body, "metadata");
        String user = optionalString(body, "user");
        String mockResponse = optionalString(body, "mock_response");
        return new ChatCompletionRequest(model, messages, stream, temperature, topP, n, maxTokens, maxCompletionTokens,
                stop, seed, tools, toolChoice, responseFormat, user, mockResponse, body);
    }

    public static EmbeddingRequest embedding(ObjectNode body) {
        String model = model(body);
        JsonNode input = body.get("input");
        List<String> texts = new ArrayList<>();
        boolean tokenInput = false;
        if (input == null || input.isNull()) {
            throw RelayException.invalid("input", "'input' is required: a string or an array of strings.");
        } else if (input.isTextual()) {
            texts.add(input.asText());
        } else if (input.isArray() && !input.isEmpty()) {
            for (int i = 0; i < input.size(); i++) {
                JsonNode item = input.get(i);
                if (item.isTextual()) {
                    texts.add(item.asText());
                } else if (item.isIntegralNumber() || (item.isArray() && isTokenArray(item))) {
                    tokenInput = true;
                } else {
                    throw RelayException.invalid("input[" + i + "]",
                            "'input[" + i + "]' must be a string (or a token id / token array), not " + describe(item) + ".");
                }
            }
            if (tokenInput && !texts.isEmpty()) {
                throw RelayException.invalid("input", "'input' mixes strings and token ids; send one kind.");
            }
        } else {
            throw RelayException.invalid("input", "'input' must be a non-empty string or array, not " + describe(input) + ".");
        }
        if (texts.stream().anyMatch(String::isEmpty)) {
            throw RelayException.invalid("input", "'input' must not contain empty strings.");
        }
        String format = optionalString(body, "encoding_format");
        EmbeddingRequest.EncodingFormat encoding;
        if (format == null || format.equals("float")) {
            encoding = EmbeddingRequest.EncodingFormat.FLOAT;
        } else if (format.equals("base64")) {
            encoding = EmbeddingRequest.EncodingFormat.BASE64;
        } else {
            throw RelayException.invalid("encoding_format", "'encoding_format' must be \"float\" or \"base64\".");
        }
        Integer dimensions = optionalInt(body, "dimensions", 1, 65_536);
        String user = optionalString(body, "user");
        return new EmbeddingRequest(model, texts, tokenInput, encoding, dimensions, user, body);
    }

    private static boolean isTokenArray(JsonNode array) {
        if (array.isEmpty()) return false;
        for (JsonNode token : array) if (!token.isIntegralNumber()) return false;
        return true;
    }

    /** The requested model: a non-empty printable string of reasonable length. */
    public static String model(ObjectNode body) {
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) throw RelayException.invalid("model", "'model' is required.");
        if (!model.isTextual()) throw RelayException.invalid("model", "'model' must be a string, not " + describe(model) + ".");
        String name = model.asText();
        if (name.isBlank()) throw RelayException.invalid("model", "'model' must not be empty.");
        if (name.length() > MAX_MODEL_LENGTH) {
            throw RelayException.invalid("model", "'model' is longer than " + MAX_MODEL_LENGTH + " characters.");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) || Character.isWhitespace(c) || Character.getType(c) == Character.FORMAT) {
                throw RelayException.invalid("model", "'model' must not contain control characters, formatting "
                        + "characters (such as a right-to-left override) or spaces.");
            }
        }
        return name;
    }

    private static List<ChatMessage> messages(ObjectNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) throw RelayException.invalid("messages", "'messages' is required.");
        if (!messages.isArray()) {
            throw RelayException.invalid("messages", "'messages' must be an array of messages, not " + describe(messages) + ".");
        }
        if (messages.isEmpty()) throw RelayException.invalid("messages", "'messages' must contain at least one message.");
        List<ChatMessage> parsed = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) parsed.add(message(messages.get(i), "messages[" + i + "]"));
        return List.copyOf(parsed);
    }

    private static ChatMessage message(JsonNode node, String path) {
        if (!node.isObject()) throw RelayException.invalid(path, "'" + path + "' must be an object, not " + describe(node) + ".");
        JsonNode role = node.get("role");
        if (role == null || !role.isTextual()) {
            throw RelayException.invalid(path + ".role", "'" + path + ".role' is required and must be a string.");
        }
        if (!ROLES.contains(role.asText())) {
            throw RelayException.invalid(path + ".role", "'" + path + ".role' is '" + role.asText()
                    + "'; it must be one of system, developer, user, assistant, tool, function.");
        }
        JsonNode content = node.get("content");
        boolean callsTools = node.hasNonNull("tool_calls") || node.hasNonNull("function_call");
        if (content == null || content.isNull()) {
            if (!role.asText().equals("assistant") || !callsTools) {
                throw RelayException.invalid(path + ".content", "'" + path + ".content' is required.");
            }
        } else if (content.isArray()) {
            for (int i = 0; i < content.size(); i++) {
                JsonNode part = content.get(i);
                if (!part.isObject() || !part.path("type").isTextual()) {
                    throw RelayException.invalid(path + ".content[" + i + "]",
                            "'" + path + ".content[" + i + "]' must be a content part object with a 'type'.");
                }
            }
        } else if (!content.isTextual()) {
            throw RelayException.invalid(path + ".content",
                    "'" + path + ".content' must be a string or an array of content parts, not " + describe(content) + ".");
        }
        if (role.asText().equals("tool") && !node.path("tool_call_id").isTextual()) {
            throw RelayException.invalid(path + ".tool_call_id", "'" + path + ".tool_call_id' is required for a tool message.");
        }
        try {
            return Json.MAPPER.treeToValue(node, ChatMessage.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw RelayException.invalid(path, "'" + path + "' is not a valid message: a field has the wrong type.");
        }
    }

    private static List<String> stop(ObjectNode body) {
        JsonNode stop = body.get("stop");
        if (stop == null || stop.isNull()) return null;
        if (stop.isTextual()) return List.of(stop.asText());
        if (stop.isArray() && stop.size() <= 4) {
            List<String> values = new ArrayList<>();
            for (JsonNode s : stop) {
                if (!s.isTextual()) throw RelayException.invalid("stop", "'stop' must hold only strings.");
                values.add(s.asText());
            }
            return List.copyOf(values);
        }
        throw RelayException.invalid("stop", "'stop' must be a string or an array of up to 4 strings.");
    }

    private static boolean optionalBoolean(ObjectNode body, String field, boolean fallback) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) return fallback;
        if (!value.isBoolean()) throw RelayException.invalid(field, "'" + field + "' must be true or false, not " + describe(value) + ".");
        return value.asBoolean();
    }

    private static Double optionalNumber(ObjectNode body, String field, double min, double max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) return null;
        if (!value.isNumber()) throw RelayException.invalid(field, "'" + field + "' must be a number, not " + describe(value) + ".");
        double d = value.asDouble();
        if (d < min || d > max || Double.isNaN(d)) {
            throw RelayException.invalid(field, "'" + field + "' is " + value + "; it must be between " + trim(min) + " and " + trim(max) + ".");
        }
        return d;
    }

    private static Integer optionalInt(ObjectNode body, String field, int min, int max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) return null;
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw RelayException.invalid(field, "'" + field + "' must be an integer, not " + describe(value) + ".");
        }
        int i = value.asInt();
        if (i < min || i > max) throw RelayException.invalid(field, "'" + field + "' is " + i + "; it must be at least " + min
                + (max == Integer.MAX_VALUE ? "" : " and at most " + max) + ".");
        return i;
    }

    private static Long optionalLong(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) return null;
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw RelayException.invalid(field, "'" + field + "' must be an integer, not " + describe(value) + ".");
        }
        return value.asLong();
    }

    private static String optionalString(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) return null;
        if (!value.isTextual()) throw RelayException.invalid(field, "'" + field + "' must be a string, not " + describe(value) + ".");
        return value.asText();
    }

    private static JsonNode optionalArray(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) return null;
        if (!value.isArray()) throw RelayException.invalid(field, "'" + field + "' must be an array, not " + describe(value) + ".");
        return value;
    }

    private static JsonNode optionalObject(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) return null;
        if (!value.isObject()) throw RelayException.invalid(field, "'" + field + "' must be an object, not " + describe(value) + ".");
        return value;
    }

    private static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> "a " + node.getNodeType().name().toLowerCase();
        };
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
