package relay.providers.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import relay.core.Json;

/**
 * A value that fits a JSON schema, for the mock's tool arguments and structured answers: every
 * declared property, the first of an {@code enum} or an {@code anyOf}, the lowest number the bounds
 * allow, the fewest items an array may have (at least one), a well-formed value for the common string
 * formats. Local {@code $ref}s are followed. Deterministic and pure; {@code pattern},
 * {@code uniqueItems} and {@code not} are not honoured.
 */
final class SchemaExample {
    /** Deeper than tool schemas go; a recursive schema stops here. */
    private static final int MAX_DEPTH = 12;
    /** The most items one array gets, whatever its {@code minItems}. */
    private static final int MAX_ITEMS = 64;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final JsonNode root;
    private final String text;

    private SchemaExample(JsonNode root, String text) {
        this.root = root;
        this.text = text;
    }

    /** @param text what a string without a format, enum or const holds (cut or padded to its length bounds) */
    static JsonNode of(JsonNode schema, String text) {
        return new SchemaExample(schema, text).value(schema, 0);
    }

    private JsonNode value(JsonNode schema, int depth) {
        if (schema == null || !schema.isObject() || depth > MAX_DEPTH) return NODES.textNode(text);
        if (schema.path("$ref").isTextual()) {
            String ref = schema.get("$ref").asText();
            JsonNode target = ref.startsWith("#") ? root.at(ref.substring(1)) : null;
            return value(target == null || target.isMissingNode() ? null : target, depth + 1);
        }
        if (schema.has("const")) return schema.get("const");
        if (schema.path("enum").isArray() && !schema.get("enum").isEmpty()) return schema.get("enum").get(0);
        for (String alternatives : new String[] {"anyOf", "oneOf"}) {
            JsonNode options = schema.path(alternatives);
            if (options.isArray() && !options.isEmpty()) return value(firstNotNull(options), depth + 1);
        }
        if (schema.path("allOf").isArray() && !schema.get("allOf").isEmpty()) return value(merged(schema), depth + 1);
        return switch (type(schema)) {
            case "object" -> object(schema, depth);
            case "array" -> array(schema, depth);
            case "integer" -> NODES.numberNode(number(schema, true).toBigInteger());
            case "number" -> NODES.numberNode(number(schema, false));
            case "boolean" -> NODES.booleanNode(true);
            case "null" -> NODES.nullNode();
            default -> NODES.textNode(string(schema));
        };
    }

    /** The schema's type: the first that is not null of a list; when none is given, what its keywords imply. */
    private static String type(JsonNode schema) {
        JsonNode type = schema.get("type");
        if (type != null && type.isTextual()) return type.asText();
        if (type != null && type.isArray()) {
            for (JsonNode t : type) if (!"null".equals(t.asText())) return t.asText();
            if (!type.isEmpty()) return "null";
        }
        if (schema.has("properties") || schema.has("required")) return "object";
        if (schema.has("items") || schema.has("prefixItems")) return "array";
        return "string";
    }

    private static JsonNode firstNotNull(JsonNode options) {
        for (JsonNode option : options) if (!"null".equals(option.path("type").asText())) return option;
        return options.get(0);
    }

    /** {@code allOf}'s parts as one schema: their properties and required lists joined, the other keywords of the last that has them. */
    private static ObjectNode merged(JsonNode schema) {
        ObjectNode merged = ((ObjectNode) schema).deepCopy();
        merged.remove("allOf");
        ObjectNode properties = Json.object();
        ArrayNode required = Json.MAPPER.createArrayNode();
        for (JsonNode part : schema.get("allOf")) {
            if (!part.isObject()) continue;
            part.properties().forEach(e -> {
                switch (e.getKey()) {
                    case "properties" -> { if (e.getValue().isObject()) properties.setAll((ObjectNode) e.getValue()); }
                    case "required" -> required.addAll(e.getValue().isArray() ? (ArrayNode) e.getValue() : Json.MAPPER.createArrayNode());
                    default -> merged.set(e.getKey(), e.getValue());
                }
            });
        }
        if (schema.path("properties").isObject()) properties.setAll((ObjectNode) schema.get("properties"));
        if (!properties.isEmpty()) merged.set("properties", properties);
        if (!required.isEmpty()) merged.set("required", required);
        return merged;
    }

    /** Every declared property (a property the schema lists is always allowed). */
    private JsonNode object(JsonNode schema, int depth) {
        ObjectNode out = Json.object();
        schema.path("properties").properties().forEach(e -> out.set(e.getKey(), value(e.getValue(), depth + 1)));
        // a required name without a declared schema: any value fits it
        schema.path("required").forEach(name -> {
            if (name.isTextual() && !out.has(name.asText())) out.set(name.asText(), value(schema.path("additionalProperties"), depth + 1));
        });
        return out;
    }

    private JsonNode array(JsonNode schema, int depth) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        JsonNode prefix = schema.path("prefixItems").isArray() ? schema.get("prefixItems")
                : schema.path("items").isArray() ? schema.get("items") : null; // draft 2020-12 and draft 4 tuples
        if (prefix != null) prefix.forEach(item -> out.add(value(item, depth + 1)));
        int count = Math.max(schema.path("minItems").asInt(1), prefix == null ? 1 : prefix.size());
        if (schema.has("maxItems")) count = Math.min(count, schema.get("maxItems").asInt());
        count = Math.min(count, MAX_ITEMS);
        JsonNode items = schema.path("items").isObject() ? schema.get("items") : null;
        while (out.size() < count) out.add(items == null && prefix != null ? NODES.textNode(text) : value(items, depth + 1));
        while (out.size() > count) out.remove(out.size() - 1);
        return out;
    }

    /** The lowest value the bounds allow (zero when they allow it), a multiple of {@code multipleOf}. */
    private static BigDecimal number(JsonNode schema, boolean integer) {
        BigDecimal step = schema.path("multipleOf").isNumber() ? schema.get("multipleOf").decimalValue() : null;
        BigDecimal unit = step != null ? step : BigDecimal.ONE;
        BigDecimal low = null;
        if (schema.path("minimum").isNumber()) {
            low = schema.get("minimum").decimalValue();
            if (schema.path("exclusiveMinimum").asBoolean(false)) low = low.add(unit); // draft 4's boolean form
        }
        if (schema.path("exclusiveMinimum").isNumber()) low = schema.get("exclusiveMinimum").decimalValue().add(unit);
        BigDecimal high = null;
        if (schema.path("maximum").isNumber()) {
            high = schema.get("maximum").decimalValue();
            if (schema.path("exclusiveMaximum").asBoolean(false)) high = high.subtract(unit);
        }
        if (schema.path("exclusiveMaximum").isNumber()) high = schema.get("exclusiveMaximum").decimalValue().subtract(unit);
        BigDecimal value = low != null ? low : high != null && high.signum() < 0 ? high : BigDecimal.ZERO;
        if (integer) value = low != null ? value.setScale(0, RoundingMode.CEILING) : value.setScale(0, RoundingMode.FLOOR);
        if (step != null && step.signum() > 0) {
            BigDecimal multiples = value.divide(step, 0, low != null || high == null || high.signum() >= 0 ? RoundingMode.CEILING : RoundingMode.FLOOR);
            value = multiples.multiply(step);
        }
        return value.stripTrailingZeros().scale() < 0 ? value.setScale(0) : value.stripTrailingZeros();
    }

    private String string(JsonNode schema) {
        String format = schema.path("format").asText("");
        String value = switch (format) {
            case "date-time" -> "2025-01-01T00:00:00Z";
            case "date" -> "2025-01-01";
            case "time" -> "00:00:00Z";
            case "duration" -> "PT1M";
            case "email", "idn-email" -> "mock@example.com";
            case "hostname", "idn-hostname" -> "example.com";
            case "ipv4" -> "192.0.2.1";
            case "ipv6" -> "2001:db8::1";
            case "uri", "url", "iri" -> "https://example.com/";
            case "uuid" -> "00000000-0000-4000-8000-000000000000";
            default -> text;
        };
        int min = schema.path("minLength").asInt(0);
        int max = schema.path("maxLength").isInt() ? schema.get("maxLength").asInt() : Integer.MAX_VALUE;
        if (value.length() > max) value = value.substring(0, max);
        if (value.length() < min) value = value + ".".repeat(Math.min(min, 1 << 16) - value.length());
        return value;
    }
}
