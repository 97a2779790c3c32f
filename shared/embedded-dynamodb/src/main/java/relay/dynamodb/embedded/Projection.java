package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Copies the attributes named by a list of document paths out of an item. Selected list elements come back
 * compacted, in index order, as DynamoDB returns them.
 */
final class Projection {

    private Projection() {
    }

    /** The paths selected below one map or list; {@code whole} selects everything there. */
    private static final class Selection {
        boolean whole;
        final Map<String, Selection> names = new LinkedHashMap<>();
        final Map<Integer, Selection> indexes = new TreeMap<>();

        Selection child(Object element) {
            return element instanceof String name ? names.computeIfAbsent(name, n -> new Selection())
                    : indexes.computeIfAbsent((Integer) element, i -> new Selection());
        }

        boolean hasChildren() {
            return !names.isEmpty() || !indexes.isEmpty();
        }
    }

    /** Rejects overlapping paths ({@code a} and {@code a.b}) the way DynamoDB does. */
    static void checkOverlaps(List<DocumentPath> paths, String expressionKind) {
        for (int i = 0; i < paths.size(); i++) {
            for (int j = i + 1; j < paths.size(); j++) {
                if (paths.get(i).overlaps(paths.get(j))) {
                    throw ApiException.validation("Invalid " + expressionKind + ": Two document paths overlap with "
                            + "each other; must remove or rewrite one of these paths; path one: " + paths.get(i)
                            + ", path two: " + paths.get(j));
                }
            }
        }
    }

    static ObjectNode apply(JsonNode item, List<DocumentPath> paths) {
        Selection root = new Selection();
        for (DocumentPath path : paths) {
            Selection node = root;
            for (Object element : path.elements()) {
                node = node.child(element);
            }
            node.whole = true;
        }
        return fromMap(item, root);
    }

    private static ObjectNode fromMap(JsonNode map, Selection selection) {
        ObjectNode result = Json.object();
        selection.names.forEach((name, child) -> {
            JsonNode projected = select(map.get(name), child);
            if (projected != null) {
                result.set(name, projected);
            }
        });
        return result;
    }

    private static JsonNode select(JsonNode av, Selection selection) {
        if (av == null || selection.whole) {
            return av;
        }
        if (!selection.names.isEmpty() && av.has("M")) {
            ObjectNode map = fromMap(av.get("M"), selection);
            return map.isEmpty() ? null : AttributeValues.of("M", map);
        }
        if (!selection.indexes.isEmpty() && av.has("L")) {
            JsonNode list = av.get("L");
            ArrayNode result = Json.array();
            selection.indexes.forEach((index, child) -> {
                JsonNode projected = index < list.size() ? select(list.get(index), child) : null;
                if (projected != null) {
                    result.add(projected);
                }
            });
            return result.isEmpty() ? null : AttributeValues.of("L", result);
        }
        return selection.hasChildren() ? null : av;
    }
}
