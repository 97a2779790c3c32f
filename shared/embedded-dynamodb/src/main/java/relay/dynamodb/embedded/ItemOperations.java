package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/** Single-item and batch operations: PutItem, GetItem, DeleteItem, UpdateItem, BatchGetItem, BatchWriteItem. */
final class ItemOperations {
    private static final List<String> RETURN_VALUES =
            List.of("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW");
    private static final int MAX_BATCH_WRITE = 25;
    private static final int MAX_BATCH_GET = 100;

    private final Database database;

    ItemOperations(Database database) {
        this.database = database;
    }

    /**
     * A validated single-item write: {@code transform} checks the request's condition against the current item
     * and returns the new item (null deletes). It runs alone, or inside a transaction.
     */
    record PreparedWrite(Table table, ObjectNode key, UnaryOperator<ObjectNode> transform,
            List<DocumentPath> updatedPaths) {

        Table.Change run() {
            return table.write(key, transform);
        }
    }

    PreparedWrite preparePut(Request request) {
        request.rejectLegacy("Expected", "ConditionalOperator");
        Table table = database.table(TableOperations.tableName(request));
        ObjectNode item = request.requiredObject("Item");
        AttributeValues.validateItem(item, "item");
        table.schema().validateItem(item);
        Condition condition = parseCondition(request);
        boolean echoOnFailure = echoOnFailure(request);
        return new PreparedWrite(table, item, old -> {
            check(condition, old, echoOnFailure);
            return item;
        }, List.of());
    }

    PreparedWrite prepareDelete(Request request) {
        request.rejectLegacy("Expected", "ConditionalOperator");
        Table table = database.table(TableOperations.tableName(request));
        ObjectNode key = table.schema().validateKey(request.node("Key"));
        Condition condition = parseCondition(request);
        boolean echoOnFailure = echoOnFailure(request);
        return new PreparedWrite(table, key, old -> {
            check(condition, old, echoOnFailure);
            return null;
        }, List.of());
    }

    PreparedWrite prepareUpdate(Request request) {
        request.rejectLegacy("AttributeUpdates", "Expected", "ConditionalOperator");
        Table table = database.table(TableOperations.tableName(request));
        TableSchema schema = table.schema();
        ObjectNode key = schema.validateKey(request.node("Key"));
        ExpressionAttributes attributes = ExpressionAttributes.of(request);
        String updateText = request.string("UpdateExpression");
        UpdateExpression update = updateText == null ? UpdateExpression.empty()
                : ExpressionParser.update(updateText, attributes);
        Condition condition = optionalCondition(request, "ConditionExpression", attributes);
        attributes.checkAllUsed();
        boolean echoOnFailure = echoOnFailure(request);
        return new PreparedWrite(table, key, old -> {
            check(condition, old, echoOnFailure);
            ObjectNode updated = UpdateApplier.apply(update, old, key, schema.keys());
            schema.validateItem(updated);
            return updated;
        }, update.paths());
    }

    /** A transaction's ConditionCheck: a write that leaves the item as it is. */
    PreparedWrite prepareConditionCheck(Request request) {
        Table table = database.table(TableOperations.tableName(request));
        ObjectNode key = table.schema().validateKey(request.node("Key"));
        if (request.string("ConditionExpression") == null) {
            throw Request.missing("ConditionExpression");
        }
        Condition condition = parseCondition(request);
        boolean echoOnFailure = echoOnFailure(request);
        return new PreparedWrite(table, key, old -> {
            check(condition, old, echoOnFailure);
            return old;
        }, List.of());
    }

    ObjectNode putItem(Request request) {
        String returnValues = returnValues(request, List.of("NONE", "ALL_OLD"));
        PreparedWrite write = preparePut(request);
        Table.Change change = write.run();
        ObjectNode response = Json.object();
        if (returnValues.equals("ALL_OLD") && change.oldItem() != null) {
            response.set("Attributes", change.oldItem());
        }
        Capacity.write(response, request, write.table(), change);
        return response;
    }

    ObjectNode getItem(Request request) {
        request.rejectLegacy("AttributesToGet");
        Table table = database.table(TableOperations.tableName(request));
        ObjectNode key = table.schema().validateKey(request.node("Key"));
        ExpressionAttributes attributes = ExpressionAttributes.of(request);
        List<DocumentPath> projection = optionalProjection(request.string("ProjectionExpression"), attributes);
        attributes.checkAllUsed();

        ObjectNode item = table.get(key);
        ObjectNode response = Json.object();
        if (item != null) {
            response.set("Item", projection == null ? item : Projection.apply(item, projection));
        }
        Capacity.read(response, request, table, item == null ? 0 : AttributeValues.itemSize(item),
                request.bool("ConsistentRead", false));
        return response;
    }

    ObjectNode deleteItem(Request request) {
        String returnValues = returnValues(request, List.of("NONE", "ALL_OLD"));
        PreparedWrite write = prepareDelete(request);
        Table.Change change = write.run();
        ObjectNode response = Json.object();
        if (returnValues.equals("ALL_OLD") && change.oldItem() != null) {
            response.set("Attributes", change.oldItem());
        }
        Capacity.write(response, request, write.table(), change);
        return response;
    }

    ObjectNode updateItem(Request request) {
        String returnValues = returnValues(request, RETURN_VALUES);
        PreparedWrite write = prepareUpdate(request);
        Table.Change change = write.run();
        ObjectNode attributesOut = switch (returnValues) {
            case "ALL_OLD" -> change.oldItem();
            case "ALL_NEW" -> change.newItem();
            case "UPDATED_OLD" -> change.oldItem() == null ? null
                    : Projection.apply(change.oldItem(), write.updatedPaths());
            case "UPDATED_NEW" -> Projection.apply(change.newItem(), write.updatedPaths());
            default -> null;
        };
        ObjectNode response = Json.object();
        if (attributesOut != null && !attributesOut.isEmpty()) {
            response.set("Attributes", attributesOut);
        }
        Capacity.write(response, request, write.table(), change);
        return response;
    }

    ObjectNode batchGetItem(Request request) {
        record TableReads(String name, Table table, List<ObjectNode> keys, List<DocumentPath> projection,
                boolean consistent) {
        }
        // Every request is validated before anything is read, as DynamoDB does.
        List<TableReads> reads = new ArrayList<>();
        int total = 0;
        for (Map.Entry<String, JsonNode> entry : requestItems(request).properties()) {
            Request tableRequest = new Request((ObjectNode) entry.getValue());
            tableRequest.rejectLegacy("AttributesToGet");
            Table table = database.table(entry.getKey());
            JsonNode keys = tableRequest.node("Keys");
            if (keys == null) {
                throw Request.missing("Keys");
            }
            if (!keys.isArray() || keys.isEmpty()) {
                throw ApiException.validation("1 validation error detected: Value '" + keys + "' at 'requestItems."
                        + entry.getKey() + ".member.keys' failed to satisfy constraint: Member must have length "
                        + "greater than or equal to 1");
            }
            total += keys.size();
            if (total > MAX_BATCH_GET) {
                throw ApiException.validation("Too many items requested for the BatchGetItem call");
            }
            ExpressionAttributes attributes = new ExpressionAttributes(
                    tableRequest.node("ExpressionAttributeNames"), null);
            List<DocumentPath> projection =
                    optionalProjection(tableRequest.string("ProjectionExpression"), attributes);
            attributes.checkAllUsed();
            reads.add(new TableReads(entry.getKey(), table, distinctKeys(table.schema(), keys), projection,
                    tableRequest.bool("ConsistentRead", false)));
        }

        ObjectNode response = Json.object();
        ObjectNode responses = response.putObject("Responses");
        ArrayNode capacity = Json.array();
        for (TableReads read : reads) {
            ArrayNode found = responses.putArray(read.name());
            long bytes = 0;
            for (ObjectNode key : read.keys()) {
                ObjectNode item = read.table().get(key);
                if (item != null) {
                    found.add(read.projection() == null ? item : Projection.apply(item, read.projection()));
                    bytes += AttributeValues.itemSize(item);
                }
            }
            ObjectNode consumed = Capacity.consumed(request, read.table(),
                    Capacity.readUnits(bytes, read.consistent()));
            if (consumed != null) {
                capacity.add(consumed);
            }
        }
        response.putObject("UnprocessedKeys");
        if (!capacity.isEmpty()) {
            response.set("ConsumedCapacity", capacity);
        }
        return response;
    }

    ObjectNode batchWriteItem(Request request) {
        record TableWrites(Table table, List<ObjectNode> puts, List<ObjectNode> deleteKeys) {
        }
        // Every request is validated before any is applied, so an invalid batch changes nothing.
        List<TableWrites> batch = new ArrayList<>();
        int total = 0;
        for (Map.Entry<String, JsonNode> entry : requestItems(request).properties()) {
            Table table = database.table(entry.getKey());
            TableSchema schema = table.schema();
            if (!entry.getValue().isArray() || entry.getValue().isEmpty()) {
                throw ApiException.validation("1 validation error detected: Value '" + request.node("RequestItems")
                        + "' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
                        + "[Member must have length less than or equal to 25, Member must have length greater than "
                        + "or equal to 1]");
            }
            TableWrites writes = new TableWrites(table, new ArrayList<>(), new ArrayList<>());
            TreeSet<List<KeyValue>> seen = new TreeSet<>(KeyValue.ORDER);
            for (JsonNode writeRequest : entry.getValue()) {
                if (++total > MAX_BATCH_WRITE) {
                    throw ApiException.validation("Too many items requested for the BatchWriteItem call");
                }
                Request write = new Request((ObjectNode) writeRequest);
                Request put = write.nested("PutRequest");
                Request delete = write.nested("DeleteRequest");
                if ((put == null) == (delete == null)) {
                    throw ApiException.validation("One or more parameter values were invalid: "
                            + "A WriteRequest must contain exactly one of PutRequest or DeleteRequest");
                }
                ObjectNode key;
                if (put != null) {
                    key = put.requiredObject("Item");
                    AttributeValues.validateItem(key, "item");
                    schema.validateItem(key);
                    writes.puts().add(key);
                } else {
                    key = schema.validateKey(delete.node("Key"));
                    writes.deleteKeys().add(key);
                }
                if (!seen.add(schema.keyOf(key))) {
                    throw ApiException.validation("Provided list of item keys contains duplicates");
                }
            }
            batch.add(writes);
        }

        ArrayNode capacity = Json.array();
        for (TableWrites writes : batch) {
            double units = 0;
            for (ObjectNode item : writes.puts()) {
                units += Capacity.writeUnits(writes.table().write(item, old -> item));
            }
            for (ObjectNode key : writes.deleteKeys()) {
                units += Capacity.writeUnits(writes.table().write(key, old -> null));
            }
            ObjectNode consumed = Capacity.consumed(request, writes.table(), units);
            if (consumed != null) {
                capacity.add(consumed);
            }
        }
        ObjectNode response = Json.object();
        response.putObject("UnprocessedItems");
        if (!capacity.isEmpty()) {
            response.set("ConsumedCapacity", capacity);
        }
        return response;
    }

    private static ObjectNode requestItems(Request request) {
        ObjectNode requestItems = request.requiredObject("RequestItems");
        if (requestItems.isEmpty()) {
            throw ApiException.validation("1 validation error detected: Value '{}' at 'requestItems' failed to "
                    + "satisfy constraint: Member must have length greater than or equal to 1");
        }
        return requestItems;
    }

    private static List<ObjectNode> distinctKeys(TableSchema schema, JsonNode keys) {
        TreeSet<List<KeyValue>> seen = new TreeSet<>(KeyValue.ORDER);
        List<ObjectNode> valid = new ArrayList<>();
        for (JsonNode key : keys) {
            ObjectNode validKey = schema.validateKey(key);
            if (!seen.add(schema.keyOf(validKey))) {
                throw ApiException.validation("Provided list of item keys contains duplicates");
            }
            valid.add(validKey);
        }
        return valid;
    }

    // ---- shared by the operations ----

    /** The request's ConditionExpression (or null), with its placeholders checked. */
    private static Condition parseCondition(Request request) {
        ExpressionAttributes attributes = ExpressionAttributes.of(request);
        Condition condition = optionalCondition(request, "ConditionExpression", attributes);
        attributes.checkAllUsed();
        return condition;
    }

    static Condition optionalCondition(Request request, String member, ExpressionAttributes attributes) {
        String text = request.string(member);
        return text == null ? null : ExpressionParser.condition(member, text, attributes);
    }

    static List<DocumentPath> optionalProjection(String text, ExpressionAttributes attributes) {
        if (text == null) {
            return null;
        }
        List<DocumentPath> paths = ExpressionParser.projection(text, attributes);
        Projection.checkOverlaps(paths, "ProjectionExpression");
        return paths;
    }

    private static String returnValues(Request request, List<String> allowed) {
        String value = request.oneOf("ReturnValues", "NONE", RETURN_VALUES);
        if (!allowed.contains(value)) {
            throw ApiException.validation("Return values set to invalid value");
        }
        return value;
    }

    private static boolean echoOnFailure(Request request) {
        return "ALL_OLD".equals(request.oneOf("ReturnValuesOnConditionCheckFailure", "NONE",
                List.of("ALL_OLD", "NONE")));
    }

    private static void check(Condition condition, ObjectNode oldItem, boolean echoOnFailure) {
        if (condition != null && !ConditionEvaluator.test(condition, oldItem)) {
            throw ApiException.conditionalCheckFailed(echoOnFailure ? oldItem : null);
        }
    }
}
