package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;

/** A table's or index's key: a HASH attribute and an optional RANGE attribute. */
record KeySchema(String hash, String range) {

    List<String> names() {
        return range == null ? List.of(hash) : List.of(hash, range);
    }

    boolean contains(String attribute) {
        return attribute.equals(hash) || attribute.equals(range);
    }

    ArrayNode toJson() {
        ArrayNode elements = Json.array();
        elements.addObject().put("AttributeName", hash).put("KeyType", "HASH");
        if (range != null) {
            elements.addObject().put("AttributeName", range).put("KeyType", "RANGE");
        }
        return elements;
    }
}
