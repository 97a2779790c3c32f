package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A path into an item such as {@code a.b[2].c}: each element is an attribute name (String, aliases already
 * resolved) or a list index (Integer).
 */
record DocumentPath(List<Object> elements) {

    String head() {
        return (String) elements.get(0);
    }

    boolean isTopLevel() {
        return elements.size() == 1;
    }

    /** The attribute value at this path, or null when any step is missing or of the wrong type. */
    JsonNode get(JsonNode item) {
        JsonNode av = item.get(head());
        for (int i = 1; i < elements.size() && av != null; i++) {
            av = child(av, elements.get(i));
        }
        return av;
    }

    private static JsonNode child(JsonNode av, Object element) {
        if (element instanceof String name) {
            JsonNode map = av.get("M");
            return map == null ? null : map.get(name);
        }
        JsonNode list = av.get("L");
        int index = (Integer) element;
        return list == null || index >= list.size() ? null : list.get(index);
    }

    /**
     * The container that holds this path's last element inside a mutable item: the item itself or an M's map
     * (ObjectNode), or an L's list (ArrayNode). Null when an intermediate step is missing or of the wrong type.
     */
    JsonNode parentContainer(ObjectNode item) {
        JsonNode container = item;
        for (int i = 0; i < elements.size() - 1; i++) {
            Object element = elements.get(i);
            JsonNode av = container instanceof ObjectNode map && element instanceof String name ? map.get(name)
                    : container instanceof ArrayNode list && element instanceof Integer index
                            && index < list.size() ? list.get(index) : null;
            if (av == null) {
                return null;
            }
            Object next = elements.get(i + 1);
            container = next instanceof String ? av.get("M") : av.get("L");
            if (container == null) {
                return null;
            }
        }
        return container;
    }

    Object last() {
        return elements.get(elements.size() - 1);
    }

    /** Whether this path equals {@code other} or one is a prefix of the other. */
    boolean overlaps(DocumentPath other) {
        int n = Math.min(elements.size(), other.elements.size());
        return elements.subList(0, n).equals(other.elements.subList(0, n));
    }

    /** DynamoDB's rendering in error messages: {@code [a, b, [2]]}. */
    @Override
    public String toString() {
        return elements.stream().map(e -> e instanceof Integer i ? "[" + i + "]" : (String) e)
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
