package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Applies an update expression. As in DynamoDB, every operand is evaluated against the item as it was before the
 * update, so {@code SET a = b, b = a} swaps; the results are then written in clause order.
 */
final class UpdateApplier {

    private UpdateApplier() {
    }

    /**
     * Returns the updated copy of {@code oldItem}, or of {@code key} when there is no item yet. Rejects writes to
     * key attributes.
     */
    static ObjectNode apply(UpdateExpression update, ObjectNode oldItem, ObjectNode key, KeySchema keys) {
        for (DocumentPath path : update.paths()) {
            if (keys.contains(path.head())) {
                throw ApiException.validation("One or more parameter values were invalid: Cannot update attribute "
                        + path.head() + ". This attribute is part of the key");
            }
        }
        ObjectNode before = oldItem != null ? oldItem : key;
        List<Write> writes = new ArrayList<>();
        for (UpdateExpression.Action set : update.sets()) {
            writes.add(new Write(set.path(), value(set.value(), before)));
        }
        for (UpdateExpression.Action add : update.adds()) {
            writes.add(new Write(add.path(), add(add.path().get(before), ((Operand.Value) add.value()).value())));
        }
        for (UpdateExpression.Action delete : update.deletes()) {
            JsonNode existing = delete.path().get(before);
            if (existing != null) {
                writes.add(new Write(delete.path(), delete(existing, ((Operand.Value) delete.value()).value())));
            }
        }
        ObjectNode after = before.deepCopy();
        for (Write write : writes) {
            if (write.value() == null) {
                remove(after, write.path());
            } else {
                set(after, write.path(), write.value());
            }
        }
        // Remove list elements from the highest index down, so earlier removals don't shift later ones.
        List<DocumentPath> removes = new ArrayList<>(update.removes());
        removes.sort(Comparator.comparing(UpdateApplier::sortKey).reversed());
        removes.forEach(path -> remove(after, path));
        return after;
    }

    /** A value to write at a path; null removes it (a DELETE that empties a set). */
    private record Write(DocumentPath path, JsonNode value) {
    }

    private static String sortKey(DocumentPath path) {
        StringBuilder key = new StringBuilder();
        for (Object element : path.elements()) {
            key.append(element instanceof Integer i ? String.format("\u0000%010d", i) : "\u0001" + element);
        }
        return key.toString();
    }

    private static JsonNode value(Operand operand, ObjectNode item) {
        return switch (operand) {
            case Operand.Value value -> value.value();
            case Operand.Path path -> {
                JsonNode value = path.path().get(item);
                if (value == null) {
                    throw ApiException.validation(
                            "The provided expression refers to an attribute that does not exist in the item");
                }
                yield value;
            }
            case Operand.IfNotExists ifNotExists -> {
                JsonNode existing = ifNotExists.path().get(item);
                yield existing != null ? existing : value(ifNotExists.fallback(), item);
            }
            case Operand.ListAppend append -> {
                JsonNode first = value(append.first(), item);
                JsonNode second = value(append.second(), item);
                if (!"L".equals(AttributeValues.type(first)) || !"L".equals(AttributeValues.type(second))) {
                    throw incorrectType();
                }
                ArrayNode list = Json.array();
                list.addAll((ArrayNode) first.get("L"));
                list.addAll((ArrayNode) second.get("L"));
                yield AttributeValues.of("L", list);
            }
            case Operand.Arithmetic arithmetic -> {
                JsonNode left = value(arithmetic.left(), item);
                JsonNode right = value(arithmetic.right(), item);
                if (!"N".equals(AttributeValues.type(left)) || !"N".equals(AttributeValues.type(right))) {
                    throw incorrectType();
                }
                BigDecimal a = new BigDecimal(left.get("N").asText());
                BigDecimal b = new BigDecimal(right.get("N").asText());
                yield number(arithmetic.plus() ? a.add(b) : a.subtract(b));
            }
            case Operand.Size size -> throw ApiException.validation(
                    "Invalid UpdateExpression: The function is not allowed in an update expression; function: size");
        };
    }

    private static JsonNode add(JsonNode existing, JsonNode increment) {
        if (existing == null) {
            return increment;
        }
        String type = AttributeValues.type(increment);
        if (!type.equals(AttributeValues.type(existing))) {
            throw incorrectType();
        }
        if (type.equals("N")) {
            return number(new BigDecimal(existing.get("N").asText()).add(new BigDecimal(increment.get("N").asText())));
        }
        ArrayNode union = ((ArrayNode) existing.get(type)).deepCopy();
        for (JsonNode element : increment.get(type)) {
            if (!AttributeValues.setContains(type, union, element)) {
                union.add(element);
            }
        }
        return AttributeValues.of(type, union);
    }

    private static JsonNode delete(JsonNode existing, JsonNode removal) {
        String type = AttributeValues.type(removal);
        if (!type.equals(AttributeValues.type(existing))) {
            throw incorrectType();
        }
        ArrayNode remaining = Json.array();
        for (JsonNode element : existing.get(type)) {
            if (!AttributeValues.setContains(type, removal.get(type), element)) {
                remaining.add(element);
            }
        }
        return remaining.isEmpty() ? null : AttributeValues.of(type, remaining);
    }

    private static JsonNode number(BigDecimal n) {
        AttributeValues.checkRange(n);
        return AttributeValues.number(n);
    }

    private static void set(ObjectNode item, DocumentPath path, JsonNode value) {
        JsonNode container = path.parentContainer(item);
        Object last = path.last();
        if (container instanceof ObjectNode map && last instanceof String name) {
            map.set(name, value);
        } else if (container instanceof ArrayNode list && last instanceof Integer index) {
            if (index < list.size()) {
                list.set(index, value);
            } else {
                list.add(value);
            }
        } else {
            throw invalidPath();
        }
    }

    private static void remove(ObjectNode item, DocumentPath path) {
        JsonNode container = path.parentContainer(item);
        Object last = path.last();
        if (container instanceof ObjectNode map && last instanceof String name) {
            map.remove(name);
        } else if (container instanceof ArrayNode list && last instanceof Integer index) {
            if (index < list.size()) {
                list.remove(index.intValue());
            }
        } else if (container != null || !path.isTopLevel()) {
            throw invalidPath();
        }
    }

    private static ApiException invalidPath() {
        return ApiException.validation("The document path provided in the update expression is invalid for update");
    }

    private static ApiException incorrectType() {
        return ApiException.validation("An operand in the update expression has an incorrect data type");
    }
}
