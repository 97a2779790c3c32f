package relay.aws.keys;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import relay.core.access.AccessStore;
import relay.core.access.CounterUpdate;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The {@link AccessStore} in one DynamoDB table ({@link AccessTable}). A counter update is one
 * {@code UpdateItem} whose condition expression is the update's conditions, so limits hold across
 * every instance; it returns the item as it was, on success and on a failed condition alike.
 */
public final class DynamoDbAccessStore implements AccessStore {
    static final String DOCUMENT = "doc";
    static final String VERSION = "version";
    static final String COUNTERS = "counters";

    private final DynamoDbClient client;
    private final String table;

    public DynamoDbAccessStore(DynamoDbClient client, String table) {
        this.client = client;
        this.table = table;
    }

    @Override
    public Optional<Stored> find(Kind kind, String id) {
        Map<String, AttributeValue> item = client.getItem(GetItemRequest.builder().tableName(table)
                .key(key(kind.id(), id)).consistentRead(true).build()).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(stored(item));
    }

    @Override
    public boolean put(Kind kind, String id, String document, long expectedVersion) {
        var request = PutItemRequest.builder().tableName(table).item(definition(kind, id, document, expectedVersion + 1));
        if (expectedVersion == 0) {
            request.conditionExpression("attribute_not_exists(pk)");
        } else {
            request.conditionExpression("#v = :v")
                    .expressionAttributeNames(Map.of("#v", VERSION))
                    .expressionAttributeValues(Map.of(":v", number(expectedVersion)));
        }
        try {
            client.putItem(request.build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public boolean replace(Kind kind, String oldId, long oldVersion, String newId, String document) {
        var delete = Delete.builder().tableName(table).key(key(kind.id(), oldId))
                .conditionExpression("#v = :v")
                .expressionAttributeNames(Map.of("#v", VERSION))
                .expressionAttributeValues(Map.of(":v", number(oldVersion))).build();
        var put = Put.builder().tableName(table).item(definition(kind, newId, document, 1))
                .conditionExpression("attribute_not_exists(pk)").build();
        try {
            client.transactWriteItems(TransactWriteItemsRequest.builder().transactItems(
                    TransactWriteItem.builder().delete(delete).build(), TransactWriteItem.builder().put(put).build()).build());
            return true;
        } catch (TransactionCanceledException e) {
            return false;
        }
    }

    @Override
    public boolean delete(Kind kind, String id) {
        var old = client.deleteItem(DeleteItemRequest.builder().tableName(table).key(key(kind.id(), id))
                .returnValues(ReturnValue.ALL_OLD).build()).attributes();
        return old != null && !old.isEmpty();
    }

    @Override
    public List<Stored> all(Kind kind) {
        List<Stored> all = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            var request = QueryRequest.builder().tableName(table).consistentRead(true)
                    .keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(kind.id())));
            if (start != null) request.exclusiveStartKey(start);
            QueryResponse page = client.query(request.build());
            page.items().forEach(item -> all.add(stored(item)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return all;
    }

    @Override
    public CounterResult update(String counterId, CounterUpdate update) {
        if (update.isEmpty()) return new CounterResult(true, counters(counterId));
        Expression expression = Expression.of(update);
        var request = UpdateItemRequest.builder().tableName(table).key(key(counterId, COUNTERS))
                .updateExpression(expression.update())
                .expressionAttributeNames(expression.names())
                .returnValues(ReturnValue.ALL_OLD)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
        if (!expression.values().isEmpty()) request.expressionAttributeValues(expression.values());
        if (expression.condition() != null) request.conditionExpression(expression.condition());
        try {
            return new CounterResult(true, numbers(client.updateItem(request.build()).attributes()));
        } catch (ConditionalCheckFailedException e) {
            return new CounterResult(false, e.hasItem() ? numbers(e.item()) : counters(counterId));
        }
    }

    @Override
    public Map<String, BigDecimal> counters(String counterId) {
        return numbers(client.getItem(GetItemRequest.builder().tableName(table)
                .key(key(counterId, COUNTERS)).consistentRead(true).build()).item());
    }

    @Override
    public void deleteCounters(String counterId) {
        client.deleteItem(DeleteItemRequest.builder().tableName(table).key(key(counterId, COUNTERS)).build());
    }

    /** A {@link CounterUpdate} as DynamoDB expressions: placeholders for every name and value. */
    record Expression(String update, String condition, Map<String, String> names, Map<String, AttributeValue> values) {
        static Expression of(CounterUpdate change) {
            Map<String, String> placeholders = new LinkedHashMap<>();
            Map<String, AttributeValue> values = new HashMap<>();
            List<String> sets = new ArrayList<>();
            for (var add : change.add().entrySet()) {
                String name = placeholder(placeholders, add.getKey());
                String value = ":a" + sets.size();
                values.put(value, number(add.getValue()));
                sets.add(name + " = if_not_exists(" + name + ", :zero) + " + value);
            }
            if (!sets.isEmpty()) values.put(":zero", AttributeValue.fromN("0"));
            List<String> removes = new ArrayList<>();
            for (String name : change.remove()) removes.add(placeholder(placeholders, name));
            StringBuilder update = new StringBuilder();
            if (!sets.isEmpty()) update.append("SET ").append(String.join(", ", sets));
            if (!removes.isEmpty()) update.append(update.isEmpty() ? "" : " ").append("REMOVE ").append(String.join(", ", removes));
            List<String> conditions = new ArrayList<>();
            for (CounterUpdate.Condition c : change.conditions()) {
                String name = placeholder(placeholders, c.attribute());
                String value = ":c" + conditions.size();
                conditions.add(switch (c) {
                    case CounterUpdate.AtMost atMost -> {
                        values.put(value, number(atMost.limit()));
                        yield "(attribute_not_exists(" + name + ") OR " + name + " <= " + value + ")";
                    }
                    case CounterUpdate.Below below -> {
                        values.put(value, number(below.limit()));
                        yield "(attribute_not_exists(" + name + ") OR " + name + " < " + value + ")";
                    }
                    case CounterUpdate.Equal equal -> {
                        values.put(value, number(equal.value()));
                        yield name + " = " + value;
                    }
                    case CounterUpdate.Present present -> "attribute_exists(" + name + ")";
                });
            }
            Map<String, String> names = new HashMap<>();
            placeholders.forEach((attribute, placeholder) -> names.put(placeholder, attribute));
            return new Expression(update.toString(), conditions.isEmpty() ? null : String.join(" AND ", conditions), names, values);
        }

        private static String placeholder(Map<String, String> placeholders, String attribute) {
            return placeholders.computeIfAbsent(attribute, a -> "#n" + placeholders.size());
        }
    }

    private static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(AccessTable.PARTITION_KEY, AttributeValue.fromS(pk), AccessTable.SORT_KEY, AttributeValue.fromS(sk));
    }

    private static Map<String, AttributeValue> definition(Kind kind, String id, String document, long version) {
        Map<String, AttributeValue> item = new HashMap<>(key(kind.id(), id));
        item.put(DOCUMENT, AttributeValue.fromS(document));
        item.put(VERSION, number(version));
        return item;
    }

    private static Stored stored(Map<String, AttributeValue> item) {
        return new Stored(item.get(DOCUMENT).s(), Long.parseLong(item.get(VERSION).n()));
    }

    /** The item's numbers (its keys are strings, so they are left out). */
    private static Map<String, BigDecimal> numbers(Map<String, AttributeValue> item) {
        Map<String, BigDecimal> numbers = new HashMap<>();
        if (item == null) return numbers;
        item.forEach((name, value) -> {
            if (value.n() != null) numbers.put(name, new BigDecimal(value.n()));
        });
        return numbers;
    }

    private static AttributeValue number(long n) {
        return AttributeValue.fromN(Long.toString(n));
    }

    private static AttributeValue number(BigDecimal n) {
        return AttributeValue.fromN(n.toPlainString());
    }
}
