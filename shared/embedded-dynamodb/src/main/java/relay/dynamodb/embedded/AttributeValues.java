package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Attribute values in DynamoDB JSON form ({@code {"S":"x"}}, {@code {"N":"1"}}, ...): validation, normalisation,
 * equality, ordering and size. Stored values are normalised on the way in (numbers canonical), so later code may
 * compare them structurally where that is simpler.
 */
final class AttributeValues {
    static final int MAX_ITEM_SIZE = 400 * 1024;
    private static final Set<String> TYPES = Set.of("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS");

    private AttributeValues() {
    }

    static String type(JsonNode av) {
        Iterator<String> names = av.fieldNames();
        return names.hasNext() ? names.next() : null;
    }

    static JsonNode value(JsonNode av) {
        Iterator<JsonNode> values = av.elements();
        return values.hasNext() ? values.next() : null;
    }

    static ObjectNode of(String type, JsonNode value) {
        ObjectNode av = Json.object();
        av.set(type, value);
        return av;
    }

    static ObjectNode string(String s) {
        return Json.object().put("S", s);
    }

    static ObjectNode number(BigDecimal n) {
        return Json.object().put("N", canonical(n));
    }

    static boolean isSet(String type) {
        return "SS".equals(type) || "NS".equals(type) || "BS".equals(type);
    }

    /** The scalar type of a set's elements: SS -> S. */
    static String elementType(String setType) {
        return setType.substring(0, 1);
    }

    /** Names used in DynamoDB's "operand type" messages. */
    static String typeName(String type) {
        return switch (type) {
            case "S" -> "STRING";
            case "N" -> "NUMBER";
            case "B" -> "BINARY";
            case "BOOL" -> "BOOLEAN";
            case "NULL" -> "NULL";
            case "M" -> "MAP";
            case "L" -> "LIST";
            case "SS" -> "STRING_SET";
            case "NS" -> "NUMBER_SET";
            case "BS" -> "BINARY_SET";
            default -> type;
        };
    }

    // ---- validation ----

    /** Validates every attribute of an item and normalises its numbers in place. */
    static void validateItem(JsonNode item, String what) {
        if (item == null || !item.isObject()) {
            throw ApiException.validation("1 validation error detected: Value null at '" + what
                    + "' failed to satisfy constraint: Member must not be null");
        }
        for (Map.Entry<String, JsonNode> attribute : item.properties()) {
            validate(attribute.getValue());
        }
    }

    /** Validates one attribute value (recursively) and normalises numbers in place. */
    static void validate(JsonNode av) {
        if (!(av instanceof ObjectNode object) || object.isEmpty()) {
            throw ApiException.validation(
                    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
        }
        if (object.size() > 1) {
            throw ApiException.validation("Supplied AttributeValue has more than one datatypes set, "
                    + "must contain exactly one of the supported datatypes");
        }
        String type = type(object);
        JsonNode v = value(object);
        if (!TYPES.contains(type)) {
            throw ApiException.serialization("Supplied AttributeValue has an unsupported datatype: " + type);
        }
        switch (type) {
            case "S" -> requireText(v, type);
            case "N" -> {
                requireText(v, type); // {"N": 123} is malformed JSON for DynamoDB, not a bad number
                object.put("N", canonical(parseNumber(v)));
            }
            case "B" -> decode(requireText(v, type));
            case "BOOL" -> {
                if (!v.isBoolean()) {
                    throw ApiException.serialization("BOOL attribute value must be true or false");
                }
            }
            case "NULL" -> {
                if (!v.isBoolean() || !v.booleanValue()) {
                    throw ApiException.validation("One or more parameter values were invalid: "
                            + "Null attribute value types must have the value of true");
                }
            }
            case "M" -> {
                if (!v.isObject()) {
                    throw ApiException.serialization("M attribute value must be a map");
                }
                v.properties().forEach(entry -> validate(entry.getValue()));
            }
            case "L" -> {
                if (!v.isArray()) {
                    throw ApiException.serialization("L attribute value must be a list");
                }
                v.forEach(AttributeValues::validate);
            }
            default -> validateSet(object, type, v);
        }
    }

    private static void validateSet(ObjectNode object, String type, JsonNode v) {
        if (!v.isArray()) {
            throw ApiException.serialization(type + " attribute value must be a list");
        }
        if (v.isEmpty()) {
            throw ApiException.validation("One or more parameter values were invalid: " + switch (type) {
                case "SS" -> "An string set  may not be empty";
                case "NS" -> "An number set  may not be empty";
                default -> "Binary sets should not be empty";
            });
        }
        ArrayNode normalised = Json.array();
        List<String> seen = new ArrayList<>();
        for (JsonNode element : v) {
            String canonical = switch (type) {
                case "SS" -> requireText(element, type);
                case "NS" -> {
                    requireText(element, type);
                    yield canonical(parseNumber(element));
                }
                default -> Base64.getEncoder().encodeToString(decode(requireText(element, type)));
            };
            if (seen.contains(canonical)) {
                throw ApiException.validation("One or more parameter values were invalid: Input collection ["
                        + String.join(", ", seen) + ", " + canonical + "] contains duplicates.");
            }
            seen.add(canonical);
            normalised.add(canonical);
        }
        object.set(type, normalised);
    }

    private static String requireText(JsonNode v, String type) {
        if (v == null || !v.isTextual()) {
            throw ApiException.serialization(type + " attribute value must be a string");
        }
        return v.textValue();
    }

    static BigDecimal parseNumber(JsonNode v) {
        if (v == null || !v.isTextual() || v.textValue().isBlank()) {
            throw ApiException.validation("The parameter cannot be converted to a numeric value");
        }
        BigDecimal n;
        try {
            // DynamoDB refuses spaces around a number; BigDecimal refuses them too.
            n = new BigDecimal(v.textValue());
        } catch (NumberFormatException e) {
            throw ApiException.validation("The parameter cannot be converted to a numeric value: " + v.textValue());
        }
        checkRange(n);
        return n;
    }

    /** DynamoDB numbers: 38 significant digits, magnitude between 1E-130 and 9.9..E+125. */
    static void checkRange(BigDecimal n) {
        if (n.signum() == 0) {
            return;
        }
        BigDecimal stripped = n.stripTrailingZeros();
        int exponent = stripped.precision() - stripped.scale() - 1;
        if (exponent > 125) {
            throw ApiException.validation(
                    "Number overflow. Attempting to store a number with magnitude larger than supported range");
        }
        if (exponent < -130) {
            throw ApiException.validation(
                    "Number underflow. Attempting to store a number with magnitude smaller than supported range");
        }
        if (stripped.precision() > 38) {
            throw ApiException.validation("Attempting to store more than 38 significant digits in a Number");
        }
    }

    static String canonical(BigDecimal n) {
        return n.signum() == 0 ? "0" : n.stripTrailingZeros().toPlainString();
    }

    static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw ApiException.serialization("'" + base64 + "' can not be converted to a Blob: " + e.getMessage());
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- comparison ----

    static boolean equal(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return false;
        }
        String type = type(a);
        if (!type.equals(type(b))) {
            return false;
        }
        JsonNode x = value(a);
        JsonNode y = value(b);
        return switch (type) {
            case "N" -> new BigDecimal(x.textValue()).compareTo(new BigDecimal(y.textValue())) == 0;
            case "B" -> Arrays.equals(decode(x.textValue()), decode(y.textValue()));
            case "SS", "NS", "BS" -> x.size() == y.size() && containsAll(type, x, y);
            case "L" -> {
                if (x.size() != y.size()) {
                    yield false;
                }
                for (int i = 0; i < x.size(); i++) {
                    if (!equal(x.get(i), y.get(i))) {
                        yield false;
                    }
                }
                yield true;
            }
            case "M" -> {
                if (x.size() != y.size()) {
                    yield false;
                }
                for (Map.Entry<String, JsonNode> entry : x.properties()) {
                    if (!equal(entry.getValue(), y.get(entry.getKey()))) {
                        yield false;
                    }
                }
                yield true;
            }
            default -> x.equals(y);
        };
    }

    private static boolean containsAll(String setType, JsonNode set, JsonNode elements) {
        for (JsonNode element : elements) {
            if (!setContains(setType, set, element)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a set (the array inside SS/NS/BS) holds the raw element. */
    static boolean setContains(String setType, JsonNode set, JsonNode element) {
        String elementType = elementType(setType);
        for (JsonNode member : set) {
            if (equal(of(elementType, member), of(elementType, element))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Orders two values of the same scalar type (S by UTF-8 bytes, N numerically, B by unsigned bytes).
     * Returns null when they are not comparable, which makes any ordering comparison false.
     */
    static Integer compare(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return null;
        }
        String type = type(a);
        if (!type.equals(type(b))) {
            return null;
        }
        return switch (type) {
            case "S", "N", "B" -> KeyValue.of(a).compareTo(KeyValue.of(b));
            default -> null;
        };
    }

    // ---- size ----

    /** Approximates DynamoDB's item size accounting: attribute names plus values. */
    static long itemSize(JsonNode item) {
        long size = 0;
        for (Map.Entry<String, JsonNode> attribute : item.properties()) {
            size += utf8(attribute.getKey()).length + size(attribute.getValue());
        }
        return size;
    }

    static long size(JsonNode av) {
        JsonNode v = value(av);
        return switch (type(av)) {
            case "S" -> utf8(v.textValue()).length;
            case "N" -> numberSize(v.textValue());
            case "B" -> decode(v.textValue()).length;
            case "BOOL", "NULL" -> 1;
            case "SS" -> sum(v, e -> utf8(e.textValue()).length);
            case "NS" -> sum(v, e -> numberSize(e.textValue()));
            case "BS" -> sum(v, e -> decode(e.textValue()).length);
            case "L" -> 3 + sum(v, e -> 1 + size(e));
            case "M" -> {
                long total = 3;
                for (Map.Entry<String, JsonNode> entry : v.properties()) {
                    total += 1 + utf8(entry.getKey()).length + size(entry.getValue());
                }
                yield total;
            }
            default -> 0;
        };
    }

    private static long numberSize(String n) {
        BigDecimal d = new BigDecimal(n);
        return d.signum() == 0 ? 1 : (d.stripTrailingZeros().precision() + 1) / 2 + 1;
    }

    private static long sum(JsonNode array, java.util.function.ToLongFunction<JsonNode> size) {
        long total = 0;
        for (JsonNode element : array) {
            total += size.applyAsLong(element);
        }
        return total;
    }
}
