package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * TransactWriteItems and TransactGetItems. A write transaction holds every involved table's lock, checks all
 * conditions first and then applies all writes, so it is all-or-nothing for readers of this server. On disk each
 * write is logged on its own, so a crash in the middle of applying one may keep part of it.
 */
final class TransactionOperations {
    private static final int MAX_ACTIONS = 100;

    private final Database database;
    private final ItemOperations items;

    TransactionOperations(Database database, ItemOperations items) {
        this.database = database;
        this.items = items;
    }

    ObjectNode transactWriteItems(Request request) {
        List<ItemOperations.PreparedWrite> writes = new ArrayList<>();
        Map<Table, TreeSet<List<KeyValue>>> keysByTable = new LinkedHashMap<>();
        for (JsonNode action : actions(request)) {
            Request a = new Request((ObjectNode) action);
            List<String> kinds = List.of("ConditionCheck", "Put", "Delete", "Update").stream()
                    .filter(kind -> a.node(kind) != null).toList();
            if (kinds.size() != 1) {
                throw ApiException.validation("TransactItems can only contain one of Check, Put, Update or Delete");
            }
            Request body = a.nested(kinds.get(0));
            for (String member : List.of("ReturnValues", "ReturnConsumedCapacity")) {
                if (body.node(member) != null) {
                    throw ApiException.validation("The " + member + " parameter is not supported inside a "
                            + "transaction action");
                }
            }
            ItemOperations.PreparedWrite write = switch (kinds.get(0)) {
                case "ConditionCheck" -> items.prepareConditionCheck(body);
                case "Put" -> items.preparePut(body);
                case "Delete" -> items.prepareDelete(body);
                default -> items.prepareUpdate(body);
            };
            TableSchema schema = write.table().schema();
            if (!keysByTable.computeIfAbsent(write.table(), t -> new TreeSet<>(KeyValue.ORDER))
                    .add(schema.keyOf(write.key()))) {
                throw ApiException.validation("Transaction request cannot include multiple operations on one item");
            }
            writes.add(write);
        }

        Table.atomically(keysByTable.keySet(), () -> {
            List<ObjectNode> results = new ArrayList<>();
            ArrayNode reasons = Json.array();
            boolean cancelled = false;
            for (ItemOperations.PreparedWrite write : writes) {
                ObjectNode reason = reasons.addObject();
                try {
                    results.add(write.transform().apply(write.table().get(write.key())));
                    reason.put("Code", "None");
                } catch (ApiException e) {
                    if (!e.isConditionalCheckFailure() && !e.isValidation()) {
                        throw e;
                    }
                    cancelled = true;
                    results.add(null);
                    reason.put("Code", e.isValidation() ? "ValidationError" : "ConditionalCheckFailed");
                    reason.put("Message", e.getMessage());
                    if (e.item() != null) {
                        reason.set("Item", e.item());
                    }
                }
            }
            if (cancelled) {
                throw ApiException.transactionCanceled(reasons);
            }
            for (int i = 0; i < writes.size(); i++) {
                ObjectNode result = results.get(i);
                writes.get(i).table().write(writes.get(i).key(), old -> result);
            }
            return null;
        });
        return Json.object();
    }

    ObjectNode transactGetItems(Request request) {
        record Get(Table table, ObjectNode key, List<DocumentPath> projection) {
        }
        List<Get> gets = new ArrayList<>();
        for (JsonNode action : actions(request)) {
            Request get = new Request((ObjectNode) action).nested("Get");
            if (get == null) {
                throw Request.missing("Get");
            }
            Table table = database.table(TableOperations.tableName(get));
            ObjectNode key = table.schema().validateKey(get.node("Key"));
            ExpressionAttributes attributes = new ExpressionAttributes(get.node("ExpressionAttributeNames"), null);
            List<DocumentPath> projection =
                    ItemOperations.optionalProjection(get.string("ProjectionExpression"), attributes);
            attributes.checkAllUsed();
            gets.add(new Get(table, key, projection));
        }
        ArrayNode responses = Json.array();
        Table.atomically(gets.stream().map(Get::table).toList(), () -> {
            for (Get get : gets) {
                ObjectNode item = get.table().get(get.key());
                ObjectNode response = responses.addObject();
                if (item != null) {
                    response.set("Item", get.projection() == null ? item : Projection.apply(item, get.projection()));
                }
            }
            return null;
        });
        return Json.object().set("Responses", responses);
    }

    private static JsonNode actions(Request request) {
        JsonNode actions = request.node("TransactItems");
        if (actions == null || !actions.isArray() || actions.isEmpty()) {
            throw Request.missing("TransactItems");
        }
        if (actions.size() > MAX_ACTIONS) {
            throw ApiException.validation("1 validation error detected: Value at 'transactItems' failed to satisfy "
                    + "constraint: Member must have length less than or equal to " + MAX_ACTIONS);
        }
        return actions;
    }
}
