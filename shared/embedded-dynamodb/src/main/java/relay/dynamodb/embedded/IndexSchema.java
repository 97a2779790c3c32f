package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * A global or local secondary index. The index holds a projected copy of every item that has all of the index's
 * key attributes; items lacking one are absent from the index, as in DynamoDB.
 */
record IndexSchema(String name, boolean global, KeySchema keys, String projectionType, List<String> nonKeyAttributes,
        Long readCapacity, Long writeCapacity) {

    /** The copy of {@code item} the index stores: its projection plus the table's and the index's keys. */
    ObjectNode project(ObjectNode item, KeySchema tableKeys) {
        if ("ALL".equals(projectionType)) {
            return item;
        }
        ObjectNode projected = Json.object();
        for (Map.Entry<String, JsonNode> attribute : item.properties()) {
            String name = attribute.getKey();
            if (tableKeys.contains(name) || keys.contains(name)
                    || ("INCLUDE".equals(projectionType) && nonKeyAttributes.contains(name))) {
                projected.set(name, attribute.getValue());
            }
        }
        return projected;
    }

    ObjectNode projectionJson() {
        ObjectNode projection = Json.object().put("ProjectionType", projectionType);
        if ("INCLUDE".equals(projectionType)) {
            nonKeyAttributes.forEach(projection.putArray("NonKeyAttributes")::add);
        }
        return projection;
    }
}
