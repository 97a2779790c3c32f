package relay.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import relay.core.error.RelayException;

/**
 * Reads fields of a request body in another API's shape (Anthropic's Messages, OpenAI's Responses),
 * each rejection a 400 whose message and {@code param} name the field by its path ({@code messages[2].content}).
 */
public final class Fields {
    private Fields() {}

    /** The field's value, or null when it is absent or JSON null. */
    public static JsonNode optional(JsonNode parent, String field) {
        JsonNode value = parent.get(field);
        return value == null || value.isNull() ? null : value;
    }

    public static JsonNode required(JsonNode parent, String field, String path) {
        JsonNode value = optional(parent, field);
        if (value == null) throw RelayException.invalid(path, "'" + path + "' is required.");
        return value;
    }

    public static String string(JsonNode parent, String field, String path) {
        JsonNode value = optional(parent, field);
        if (value == null) return null;
        if (!value.isTextual()) throw wrongType(path, "a string", value);
        return value.asText();
    }

    public static String requiredString(JsonNode parent, String field, String path) {
        JsonNode value = required(parent, field, path);
        if (!value.isTextual()) throw wrongType(path, "a string", value);
        return value.asText();
    }

    public static Boolean bool(JsonNode parent, String field, String path) {
        JsonNode value = optional(parent, field);
        if (value == null) return null;
        if (!value.isBoolean()) throw wrongType(path, "true or false", value);
        return value.asBoolean();
    }

    public static Double number(JsonNode parent, String field, String path, double min, double max) {
        JsonNode value = optional(parent, field);
        if (value == null) return null;
        if (!value.isNumber()) throw wrongType(path, "a number", value);
        double d = value.asDouble();
        if (Double.isNaN(d) || d < min || d > max) {
            throw RelayException.invalid(path, "'" + path + "' is " + value + "; it must be between " + trim(min) + " and " + trim(max) + ".");
        }
        return d;
    }

    public static Integer integer(JsonNode parent, String field, String path, int min) {
        JsonNode value = optional(parent, field);
        if (value == null) return null;
        if (!value.isIntegralNumber() || !value.canConvertToInt()) throw wrongType(path, "an integer", value);
        if (value.asInt() < min) throw RelayException.invalid(path, "'" + path + "' is " + value.asInt() + "; it must be at least " + min + ".");
        return value.asInt();
    }

    public static JsonNode object(JsonNode parent, String field, String path) {
        JsonNode value = optional(parent, field);
        if (value != null && !value.isObject()) throw wrongType(path, "an object", value);
        return value;
    }

    public static JsonNode array(JsonNode parent, String field, String path) {
        JsonNode value = optional(parent, field);
        if (value != null && !value.isArray()) throw wrongType(path, "an array", value);
        return value;
    }

    /** An element that must be an object with a string {@code type}; returns the type. */
    public static String typed(JsonNode element, String path) {
        if (!element.isObject()) throw wrongType(path, "an object", element);
        JsonNode type = element.get("type");
        if (type == null || !type.isTextual()) throw RelayException.invalid(path + ".type", "'" + path + ".type' is required and must be a string.");
        return type.asText();
    }

    public static RelayException wrongType(String path, String expected, JsonNode value) {
        return RelayException.invalid(path, "'" + path + "' must be " + expected + ", not " + describe(value) + ".");
    }

    public static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> "a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
