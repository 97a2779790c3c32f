package relay.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a JSON Schema (what OpenAI tools and {@code json_schema} carry) into the OpenAPI subset Gemini's
 * {@code Schema} accepts. Gemini rejects unknown keywords ({@code additionalProperties}, {@code $schema},
 * {@code $ref} …) with a 400, so the schema is rebuilt from the keywords it knows; {@code $ref}s are
 * inlined from {@code $defs}/{@code definitions}, type unions become {@code nullable}/{@code anyOf}.
 */
public final class GeminiSchemas {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Keywords copied as they are (the ones with sub-schemas are handled separately). */
    private static final Set<String> PLAIN_KEYWORDS = Set.of(
            "title", "description", "nullable", "minItems", "maxItems", "minProperties", "maxProperties",
            "minLength", "maxLength", "pattern", "minimum", "maximum", "default", "example", "propertyOrdering");
    /** The only formats Gemini takes; others ("uri", "email" …) are a 400 there. */
    private static final Set<String> FORMATS = Set.of("date-time", "enum", "int32", "int64", "float", "double");
    /** Deeper than any real tool schema; stops a recursive {@code $ref} from unrolling forever. */
    private static final int MAX_DEPTH = 24;

    private GeminiSchemas() {}

    /** The Gemini form of {@code schema}; an empty object when nothing of it is usable. */
    public static ObjectNode clean(JsonNode schema) {
        if (schema == null || !schema.isObject()) return NODES.objectNode();
        return clean(schema, definitions(schema), 0);
    }

    /** Whether a cleaned schema is an object without properties, which Gemini rejects ("should be non-empty for OBJECT type"). */
    public static boolean isEmptyObject(ObjectNode cleaned) {
        String type = cleaned.path("type").asText("object");
        return type.equalsIgnoreCase("object") && !cleaned.has("properties") && !cleaned.has("anyOf");
    }

    private static ObjectNode definitions(JsonNode root) {
        ObjectNode defs = NODES.objectNode();
        for (String key : List.of("definitions", "$defs")) {
            if (root.get(key) instanceof ObjectNode found) defs.setAll(found);
        }
        return defs;
    }

    private static ObjectNode clean(JsonNode schema, ObjectNode defs, int depth) {
        ObjectNode out = NODES.objectNode();
        if (!schema.isObject() || depth > MAX_DEPTH) return out;
        JsonNode ref = schema.get("$ref");
        if (ref != null && ref.isTextual()) {
            JsonNode target = defs.get(ref.asText().replaceFirst("^#/(\\$defs|definitions)/", ""));
            ObjectNode resolved = target == null ? out : clean(target, defs, depth + 1);
            if (schema.hasNonNull("description")) resolved.set("description", schema.get("description"));
            return resolved;
        }
        type(schema, out, defs, depth);
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (PLAIN_KEYWORDS.contains(key)) {
                out.set(key, value);
            } else if (key.equals("format") && FORMATS.contains(value.asText())) {
                out.set(key, value);
            } else if (key.equals("enum") && value.isArray() && allText(value)) {
                out.set(key, value);
            } else if (key.equals("const") && value.isTextual()) {
                out.putArray("enum").add(value);
            } else if (key.equals("properties") && value.isObject() && !value.isEmpty()) {
                ObjectNode properties = out.putObject("properties");
                value.fields().forEachRemaining(p -> properties.set(p.getKey(), clean(p.getValue(), defs, depth + 1)));
            } else if (key.equals("items")) {
                JsonNode items = value.isArray() ? value.path(0) : value; // a tuple keeps its first item's schema
                if (items.isObject()) out.set("items", clean(items, defs, depth + 1));
            }
        }
        if (schema.get("required") instanceof ArrayNode required && out.get("properties") instanceof ObjectNode properties) {
            ArrayNode kept = NODES.arrayNode();
            required.forEach(name -> { if (properties.has(name.asText())) kept.add(name.asText()); });
            if (!kept.isEmpty()) out.set("required", kept);
        }
        return out;
    }

    /** {@code type} (also a union like {@code ["string","null"]}) and {@code anyOf}/{@code oneOf}. */
    private static void type(JsonNode schema, ObjectNode out, ObjectNode defs, int depth) {
        JsonNode type = schema.get("type");
        if (type != null && type.isTextual() && !type.asText().equals("null")) {
            out.put("type", type.asText());
        } else if (type != null && type.isArray()) {
            List<String> types = new ArrayList<>();
            type.forEach(t -> { if (t.asText().equals("null")) out.put("nullable", true); else types.add(t.asText()); });
            if (types.size() == 1) {
                out.put("type", types.get(0));
            } else if (types.size() > 1) {
                ArrayNode anyOf = out.putArray("anyOf");
                types.forEach(t -> anyOf.addObject().put("type", t));
            }
        }
        JsonNode alternatives = schema.has("anyOf") ? schema.get("anyOf") : schema.get("oneOf");
        if (alternatives == null || !alternatives.isArray()) return;
        List<ObjectNode> options = new ArrayList<>();
        for (JsonNode option : alternatives) {
            if ("null".equals(option.path("type").asText())) out.put("nullable", true);
            else options.add(clean(option, defs, depth + 1));
        }
        if (options.size() == 1) {
            options.get(0).fields().forEachRemaining(f -> out.putIfAbsent(f.getKey(), f.getValue()));
        } else if (!options.isEmpty()) {
            out.putArray("anyOf").addAll(options);
        }
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode value : array) if (!value.isTextual()) return false;
        return !array.isEmpty();
    }
}
