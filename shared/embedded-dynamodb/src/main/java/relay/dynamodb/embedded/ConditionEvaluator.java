package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Arrays;

/** Evaluates conditions against an item. A missing attribute makes every comparison but {@code <>} false. */
final class ConditionEvaluator {

    private ConditionEvaluator() {
    }

    /** {@code item} may be null (no such item), which behaves as an item without attributes. */
    static boolean test(Condition condition, JsonNode item) {
        JsonNode subject = item == null ? Json.object() : item;
        return switch (condition) {
            case Condition.And and -> test(and.left(), subject) && test(and.right(), subject);
            case Condition.Or or -> test(or.left(), subject) || test(or.right(), subject);
            case Condition.Not not -> !test(not.inner(), subject);
            case Condition.Compare compare -> compare(compare, subject);
            case Condition.Between between -> {
                JsonNode value = operand(between.value(), subject);
                Integer low = AttributeValues.compare(value, operand(between.low(), subject));
                Integer high = AttributeValues.compare(value, operand(between.high(), subject));
                yield low != null && high != null && low >= 0 && high <= 0;
            }
            case Condition.In in -> {
                JsonNode value = operand(in.value(), subject);
                yield in.candidates().stream().anyMatch(c -> AttributeValues.equal(value, operand(c, subject)));
            }
            case Condition.Function function -> function(function, subject);
        };
    }

    private static boolean compare(Condition.Compare compare, JsonNode item) {
        JsonNode left = operand(compare.left(), item);
        JsonNode right = operand(compare.right(), item);
        return switch (compare.comparator()) {
            case EQ -> AttributeValues.equal(left, right);
            case NE -> !AttributeValues.equal(left, right);
            default -> {
                Integer order = AttributeValues.compare(left, right);
                yield order != null && switch (compare.comparator()) {
                    case LT -> order < 0;
                    case LE -> order <= 0;
                    case GT -> order > 0;
                    default -> order >= 0;
                };
            }
        };
    }

    private static boolean function(Condition.Function function, JsonNode item) {
        JsonNode first = operand(function.arguments().get(0), item);
        JsonNode second = function.arguments().size() > 1 ? operand(function.arguments().get(1), item) : null;
        return switch (function.name()) {
            case "attribute_exists" -> first != null;
            case "attribute_not_exists" -> first == null;
            case "attribute_type" -> first != null && AttributeValues.type(first).equals(second.get("S").asText());
            case "begins_with" -> beginsWith(first, second);
            case "contains" -> contains(first, second);
            default -> false;
        };
    }

    static boolean beginsWith(JsonNode value, JsonNode prefix) {
        if (value == null || prefix == null || !AttributeValues.type(value).equals(AttributeValues.type(prefix))) {
            return false;
        }
        String v = AttributeValues.value(value).asText();
        String p = AttributeValues.value(prefix).asText();
        return switch (AttributeValues.type(value)) {
            case "S" -> v.startsWith(p);
            case "B" -> {
                byte[] bytes = AttributeValues.decode(v);
                byte[] start = AttributeValues.decode(p);
                yield bytes.length >= start.length && Arrays.equals(bytes, 0, start.length, start, 0, start.length);
            }
            default -> false;
        };
    }

    private static boolean contains(JsonNode container, JsonNode element) {
        if (container == null || element == null) {
            return false;
        }
        String type = AttributeValues.type(container);
        String elementType = AttributeValues.type(element);
        JsonNode v = AttributeValues.value(container);
        return switch (type) {
            case "S" -> elementType.equals("S") && v.asText().contains(AttributeValues.value(element).asText());
            case "B" -> elementType.equals("B") && indexOf(AttributeValues.decode(v.asText()),
                    AttributeValues.decode(AttributeValues.value(element).asText())) >= 0;
            case "SS", "NS", "BS" -> AttributeValues.elementType(type).equals(elementType)
                    && AttributeValues.setContains(type, v, AttributeValues.value(element));
            case "L" -> {
                for (JsonNode member : v) {
                    if (AttributeValues.equal(member, element)) {
                        yield true;
                    }
                }
                yield false;
            }
            default -> false;
        };
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The value of a condition operand, or null when it refers to a missing attribute. */
    static JsonNode operand(Operand operand, JsonNode item) {
        return switch (operand) {
            case Operand.Value value -> value.value();
            case Operand.Path path -> path.path().get(item);
            case Operand.Size size -> size(operand(size.target(), item));
            default -> throw new IllegalArgumentException("not a condition operand: " + operand);
        };
    }

    private static JsonNode size(JsonNode av) {
        if (av == null) {
            return null;
        }
        JsonNode v = AttributeValues.value(av);
        long size = switch (AttributeValues.type(av)) {
            case "S" -> v.asText().codePointCount(0, v.asText().length());
            case "B" -> AttributeValues.decode(v.asText()).length;
            case "SS", "NS", "BS", "L", "M" -> v.size();
            default -> -1;
        };
        return size < 0 ? null : AttributeValues.number(BigDecimal.valueOf(size));
    }
}
