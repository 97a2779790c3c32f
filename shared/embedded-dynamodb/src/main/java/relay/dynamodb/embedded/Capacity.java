package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * ConsumedCapacity figures, returned when a request sets ReturnConsumedCapacity. Units follow DynamoDB's rounding
 * (1 KB per write unit, 4 KB per read unit, eventually consistent reads cost half).
 */
final class Capacity {

    private Capacity() {
    }

    static double writeUnits(Table.Change change) {
        long size = Math.max(change.oldItem() == null ? 0 : AttributeValues.itemSize(change.oldItem()),
                change.newItem() == null ? 0 : AttributeValues.itemSize(change.newItem()));
        return Math.max(1, Math.ceil(size / 1024.0));
    }

    static double readUnits(long bytes, boolean consistent) {
        double units = Math.max(1, Math.ceil(bytes / 4096.0));
        return consistent ? units : units / 2;
    }

    static void write(ObjectNode response, Request request, Table table, Table.Change change) {
        ObjectNode consumed = consumed(request, table, writeUnits(change));
        if (consumed != null) {
            response.set("ConsumedCapacity", consumed);
        }
    }

    static void read(ObjectNode response, Request request, Table table, long bytes, boolean consistent) {
        ObjectNode consumed = consumed(request, table, readUnits(bytes, consistent));
        if (consumed != null) {
            response.set("ConsumedCapacity", consumed);
        }
    }

    /** The ConsumedCapacity object, or null when the request did not ask for it. */
    static ObjectNode consumed(Request request, Table table, double units) {
        String mode = request.oneOf("ReturnConsumedCapacity", "NONE", java.util.List.of("INDEXES", "TOTAL", "NONE"));
        if (mode.equals("NONE")) {
            return null;
        }
        ObjectNode consumed = Json.object().put("TableName", table.schema().name()).put("CapacityUnits", units);
        if (mode.equals("INDEXES")) {
            consumed.putObject("Table").put("CapacityUnits", units);
        }
        return consumed;
    }
}
