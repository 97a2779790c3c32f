package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.dynamodb.embedded.Fixtures.attribute;
import static relay.dynamodb.embedded.Fixtures.item;
import static relay.dynamodb.embedded.Fixtures.key;
import static relay.dynamodb.embedded.Fixtures.n;
import static relay.dynamodb.embedded.Fixtures.s;
import static relay.dynamodb.embedded.Fixtures.table;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;

/**
 * One table of request logs: partition {@code tenant}, numeric sort key {@code seq}, a GSI on
 * {@code model}/{@code created} holding all attributes and a KEYS_ONLY GSI on {@code user_id}.
 */
class QueryScanTest extends ServerTest {
    private static final String TABLE = "request-log";

    @BeforeAll
    void createAndFillTable() {
        createActive(table(TABLE, "tenant", "seq", ScalarAttributeType.N)
                .attributeDefinitions(attribute("tenant", ScalarAttributeType.S),
                        attribute("seq", ScalarAttributeType.N), attribute("model", ScalarAttributeType.S),
                        attribute("created", ScalarAttributeType.S), attribute("user_id", ScalarAttributeType.S))
                .globalSecondaryIndexes(
                        GlobalSecondaryIndex.builder().indexName("by-model")
                                .keySchema(key("model", KeyType.HASH), key("created", KeyType.RANGE))
                                .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build(),
                        GlobalSecondaryIndex.builder().indexName("by-user")
                                .keySchema(key("user_id", KeyType.HASH))
                                .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
                                .build())
                .build());
        // tenant "acme" has seq 1..10; seq 10 sorts after 9 only if compared numerically.
        for (int seq = 1; seq <= 10; seq++) {
            int i = seq;
            client.putItem(b -> b.tableName(TABLE).item(item(
                    "tenant", s("acme"), "seq", n(i),
                    "model", s(i % 2 == 0 ? "gpt" : "claude"),
                    "created", s("2024-01-" + (i < 10 ? "0" + i : "" + i)),
                    "cost", n(i * 10),
                    "route", s(i <= 5 ? "chat/completions" : "embeddings"))));
        }
        client.putItem(b -> b.tableName(TABLE).item(item("tenant", s("other"), "seq", n(1), "model", s("gpt"),
                "created", s("2023-12-31"), "user_id", s("u1"), "cost", n(5))));
    }

    private static List<Long> seqs(List<Map<String, AttributeValue>> items) {
        return items.stream().map(i -> Long.parseLong(i.get("seq").n())).toList();
    }

    private List<Long> querySeqs(String sortCondition, Map<String, AttributeValue> values) {
        Map<String, AttributeValue> all = new java.util.HashMap<>(values);
        all.put(":t", s("acme"));
        return seqs(client.query(b -> b.tableName(TABLE)
                .keyConditionExpression("tenant = :t" + (sortCondition.isEmpty() ? "" : " AND " + sortCondition))
                .expressionAttributeValues(all)).items());
    }

    @Test
    void query_onPartition_returnsItemsInNumericSortKeyOrder() {
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), querySeqs("", Map.of()));
    }

    @Test
    void query_withEachSortKeyComparison_selectsTheRightRange() {
        assertEquals(List.of(4L), querySeqs("seq = :v", Map.of(":v", n(4))));
        assertEquals(List.of(1L, 2L, 3L), querySeqs("seq < :v", Map.of(":v", n(4))));
        assertEquals(List.of(1L, 2L, 3L, 4L), querySeqs("seq <= :v", Map.of(":v", n(4))));
        assertEquals(List.of(9L, 10L), querySeqs("seq > :v", Map.of(":v", n(8))));
        assertEquals(List.of(8L, 9L, 10L), querySeqs("seq >= :v", Map.of(":v", n(8))));
        assertEquals(List.of(3L, 4L, 5L), querySeqs("seq BETWEEN :a AND :b", Map.of(":a", n(3), ":b", n(5))));
    }

    @Test
    void query_withBeginsWith_onStringSortKey() {
        var response = client.query(b -> b.tableName(TABLE).indexName("by-model")
                .keyConditionExpression("model = :m AND begins_with(created, :month)")
                .expressionAttributeValues(Map.of(":m", s("gpt"), ":month", s("2024-01"))));

        assertEquals(List.of(2L, 4L, 6L, 8L, 10L), seqs(response.items()));
    }

    @Test
    void query_scanIndexForwardFalse_returnsDescendingOrder() {
        var response = client.query(b -> b.tableName(TABLE).keyConditionExpression("tenant = :t")
                .expressionAttributeValues(Map.of(":t", s("acme"))).scanIndexForward(false).limit(3));

        assertEquals(List.of(10L, 9L, 8L), seqs(response.items()));
    }

    @Test
    void query_withLimit_paginatesThroughLastEvaluatedKey() {
        List<Long> seen = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        int pages = 0;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(b -> b.tableName(TABLE).keyConditionExpression("tenant = :t")
                    .expressionAttributeValues(Map.of(":t", s("acme"))).limit(4).exclusiveStartKey(from));
            seen.addAll(seqs(page.items()));
            start = page.hasLastEvaluatedKey() ? page.lastEvaluatedKey() : null;
            pages++;
        } while (start != null);

        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), seen);
        assertEquals(3, pages);
    }

    @Test
    void query_sdkPaginator_descendingWithFilter_visitsEveryPage() {
        QueryRequest request = QueryRequest.builder().tableName(TABLE).keyConditionExpression("tenant = :t")
                .filterExpression("cost > :min").expressionAttributeValues(Map.of(":t", s("acme"), ":min", n(35)))
                .scanIndexForward(false).limit(3).build();

        List<Long> seqs = seqs(client.queryPaginator(request).items().stream().toList());

        assertEquals(List.of(10L, 9L, 8L, 7L, 6L, 5L, 4L), seqs);
    }

    @Test
    void query_withFilter_countsScannedItemsBeforeFiltering() {
        var response = client.query(b -> b.tableName(TABLE).keyConditionExpression("tenant = :t")
                .filterExpression("(begins_with(route, :chat) AND cost >= :c) OR NOT attribute_exists(model)")
                .expressionAttributeValues(Map.of(":t", s("acme"), ":chat", s("chat"), ":c", n(30))));

        assertEquals(List.of(3L, 4L, 5L), seqs(response.items()));
        assertEquals(3, response.count());
        assertEquals(10, response.scannedCount());
    }

    @Test
    void query_selectCount_returnsCountWithoutItems() {
        var response = client.query(b -> b.tableName(TABLE).keyConditionExpression("tenant = :t")
                .filterExpression("contains(route, :e)")
                .expressionAttributeValues(Map.of(":t", s("acme"), ":e", s("embed")))
                .select(Select.COUNT));

        assertFalse(response.hasItems());
        assertEquals(5, response.count());
    }

    @Test
    void query_onGsi_returnsItemsInSortKeyOrder() {
        var response = client.query(b -> b.tableName(TABLE).indexName("by-model")
                .keyConditionExpression("model = :m").expressionAttributeValues(Map.of(":m", s("gpt"))));

        assertEquals(List.of("2023-12-31", "2024-01-02", "2024-01-04", "2024-01-06", "2024-01-08", "2024-01-10"),
                response.items().stream().map(i -> i.get("created").s()).toList());
        assertEquals("acme", response.items().get(1).get("tenant").s(), "ALL projection carries every attribute");
    }

    @Test
    void query_onGsi_paginatesWithIndexAndTableKeysInLastEvaluatedKey() {
        var first = client.query(b -> b.tableName(TABLE).indexName("by-model")
                .keyConditionExpression("model = :m").expressionAttributeValues(Map.of(":m", s("claude")))
                .limit(2));
        var second = client.query(b -> b.tableName(TABLE).indexName("by-model")
                .keyConditionExpression("model = :m").expressionAttributeValues(Map.of(":m", s("claude")))
                .exclusiveStartKey(first.lastEvaluatedKey()));

        assertEquals(Set.of("tenant", "seq", "model", "created"), first.lastEvaluatedKey().keySet());
        assertEquals(List.of(1L, 3L), seqs(first.items()));
        assertEquals(List.of(5L, 7L, 9L), seqs(second.items()));
    }

    @Test
    void query_onSparseKeysOnlyGsi_returnsOnlyItemsWithTheIndexKey() {
        var response = client.query(b -> b.tableName(TABLE).indexName("by-user")
                .keyConditionExpression("user_id = :u").expressionAttributeValues(Map.of(":u", s("u1"))));

        assertEquals(List.of(item("tenant", s("other"), "seq", n(1), "user_id", s("u1"))), response.items());
        assertEquals(1, client.scan(b -> b.tableName(TABLE).indexName("by-user")).count());
    }

    @Test
    void query_consistentReadOnGsi_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.query(b -> b.tableName(TABLE)
                .indexName("by-model").consistentRead(true)
                .keyConditionExpression("model = :m").expressionAttributeValues(Map.of(":m", s("gpt")))));

        assertEquals("Consistent reads are not supported on global secondary indexes",
                e.awsErrorDetails().errorMessage());
    }

    @Test
    void query_withoutPartitionKeyCondition_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.query(b -> b.tableName(TABLE)
                .keyConditionExpression("seq = :s").expressionAttributeValues(Map.of(":s", n(1)))));

        assertEquals("Query condition missed key schema element: tenant", e.awsErrorDetails().errorMessage());
    }

    @Test
    void query_withWrongKeyValueType_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.query(b -> b.tableName(TABLE)
                .keyConditionExpression("tenant = :t AND seq > :s")
                .expressionAttributeValues(Map.of(":t", s("acme"), ":s", s("1")))));

        assertEquals(400, e.statusCode());
        assertTrue(e.awsErrorDetails().errorMessage().contains("Condition parameter type does not match"));
    }

    @Test
    void query_onUnknownIndex_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.query(b -> b.tableName(TABLE)
                .indexName("nope").keyConditionExpression("tenant = :t")
                .expressionAttributeValues(Map.of(":t", s("acme")))));

        assertEquals("ValidationException", e.awsErrorDetails().errorCode());
    }

    @Test
    void scan_withFilter_returnsMatchingItemsAcrossPartitions() {
        ScanResponse response = client.scan(b -> b.tableName(TABLE)
                .filterExpression("model = :m AND cost < :c")
                .expressionAttributeValues(Map.of(":m", s("gpt"), ":c", n(50))));

        Set<String> keys = new HashSet<>();
        response.items().forEach(i -> keys.add(i.get("tenant").s() + "/" + i.get("seq").n()));
        assertEquals(Set.of("acme/2", "acme/4", "other/1"), keys);
        assertEquals(11, response.scannedCount());
    }

    @Test
    void scan_withLimit_paginatesOverEveryItemOnce() {
        List<String> keys = new ArrayList<>();
        client.scanPaginator(b -> b.tableName(TABLE).limit(3)).items()
                .forEach(i -> keys.add(i.get("tenant").s() + "/" + i.get("seq").n()));

        assertEquals(11, keys.size());
        assertEquals(11, new HashSet<>(keys).size());
    }

    @Test
    void scan_parallelSegments_partitionTheTable() {
        Set<String> keys = new HashSet<>();
        int total = 0;
        for (int segment = 0; segment < 3; segment++) {
            int current = segment;
            for (var item : client.scan(b -> b.tableName(TABLE).segment(current).totalSegments(3)).items()) {
                keys.add(item.get("tenant").s() + "/" + item.get("seq").n());
                total++;
            }
        }

        assertEquals(11, total);
        assertEquals(11, keys.size());
    }

    @Test
    void scan_withProjection_returnsOnlyRequestedAttributes() {
        var response = client.scan(b -> b.tableName(TABLE).projectionExpression("seq, #r")
                .expressionAttributeNames(Map.of("#r", "route")));

        assertEquals(11, response.items().size());
        for (Map<String, AttributeValue> item : response.items()) {
            String tenant = item.containsKey("route") ? "acme" : "other"; // only acme's items have a route
            assertEquals(tenant.equals("acme") ? Set.of("seq", "route") : Set.of("seq"), item.keySet());
        }
    }

    @Test
    void query_withExclusiveStartKeyFromAnotherPartition_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.query(b -> b.tableName(TABLE)
                .keyConditionExpression("tenant = :t").expressionAttributeValues(Map.of(":t", s("acme")))
                .exclusiveStartKey(item("tenant", s("other"), "seq", n(1)))));

        assertEquals("The provided starting key is outside query boundaries based on provided conditions",
                e.awsErrorDetails().errorMessage());
    }

    @Test
    void query_onTableWithoutSortKey_findsTheItem() {
        String name = Fixtures.uniqueTableName("hash-only");
        createActive(table(name, "id", null, null).build());
        client.putItem(b -> b.tableName(name).item(item("id", s("a"), "v", n(1))));
        client.putItem(b -> b.tableName(name).item(item("id", s("b"), "v", n(2))));

        var response = client.query(b -> b.tableName(name).keyConditionExpression("id = :id")
                .expressionAttributeValues(Map.of(":id", s("a"))));

        assertEquals(List.of(item("id", s("a"), "v", n(1))), response.items());
    }

    @Test
    void query_allAttributesFromAGsiThatDoesNotProjectThemAll_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.query(b -> b.tableName(TABLE)
                .indexName("by-user").select(Select.ALL_ATTRIBUTES)
                .keyConditionExpression("user_id = :u").expressionAttributeValues(Map.of(":u", s("u1")))));

        assertEquals("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for "
                + "global secondary index by-user because its projection type is not ALL",
                e.awsErrorDetails().errorMessage());
    }

    @Test
    void query_onLocalSecondaryIndex_ordersByTheAlternateSortKey() {
        String name = Fixtures.uniqueTableName("with-lsi");
        createActive(table(name, "tenant", "seq", ScalarAttributeType.N)
                .attributeDefinitions(attribute("tenant", ScalarAttributeType.S),
                        attribute("seq", ScalarAttributeType.N), attribute("cost", ScalarAttributeType.N))
                .localSecondaryIndexes(b -> b.indexName("by-cost")
                        .keySchema(key("tenant", KeyType.HASH), key("cost", KeyType.RANGE))
                        .projection(Projection.builder().projectionType(ProjectionType.ALL).build()))
                .build());
        long[] costs = {30, 10, 20};
        for (int seq = 0; seq < costs.length; seq++) {
            int i = seq;
            client.putItem(b -> b.tableName(name).item(item("tenant", s("t"), "seq", n(i), "cost", n(costs[i]))));
        }

        var response = client.query(b -> b.tableName(name).indexName("by-cost")
                .keyConditionExpression("tenant = :t AND cost >= :min")
                .expressionAttributeValues(Map.of(":t", s("t"), ":min", n(15))));

        assertEquals(List.of(2L, 0L), seqs(response.items()));
    }

    /** A table with a KEYS_ONLY local index on {@code cost}; one item with a non-key attribute {@code note}. */
    private String tableWithKeysOnlyLocalIndex() {
        String name = Fixtures.uniqueTableName("lsi-keys");
        createActive(table(name, "tenant", "seq", ScalarAttributeType.N)
                .attributeDefinitions(attribute("tenant", ScalarAttributeType.S),
                        attribute("seq", ScalarAttributeType.N), attribute("cost", ScalarAttributeType.N))
                .localSecondaryIndexes(b -> b.indexName("by-cost")
                        .keySchema(key("tenant", KeyType.HASH), key("cost", KeyType.RANGE))
                        .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build()))
                .build());
        client.putItem(b -> b.tableName(name).item(item("tenant", s("t"), "seq", n(1), "cost", n(5),
                "note", s("from the table"))));
        return name;
    }

    @Test
    void query_allAttributesFromALocalIndex_fetchesWhatItDoesNotProjectFromTheTable() {
        String name = tableWithKeysOnlyLocalIndex();

        var projected = client.query(b -> b.tableName(name).indexName("by-cost")
                .keyConditionExpression("tenant = :t").expressionAttributeValues(Map.of(":t", s("t"))));
        var all = client.query(b -> b.tableName(name).indexName("by-cost").select(Select.ALL_ATTRIBUTES)
                .keyConditionExpression("tenant = :t").expressionAttributeValues(Map.of(":t", s("t"))));

        assertEquals(List.of(item("tenant", s("t"), "seq", n(1), "cost", n(5))), projected.items());
        assertEquals(List.of(item("tenant", s("t"), "seq", n(1), "cost", n(5), "note", s("from the table"))),
                all.items());
    }

    @Test
    void query_projectionOfAnAttributeALocalIndexDoesNotProject_fetchesItFromTheTable() {
        String name = tableWithKeysOnlyLocalIndex();

        var response = client.query(b -> b.tableName(name).indexName("by-cost").projectionExpression("note")
                .keyConditionExpression("tenant = :t").expressionAttributeValues(Map.of(":t", s("t"))));

        assertEquals(List.of(item("note", s("from the table"))), response.items());
    }

    @Test
    void query_withExclusiveStartKeyOutsideTheSortKeyCondition_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.query(b -> b.tableName(TABLE)
                .keyConditionExpression("tenant = :t AND seq > :s")
                .expressionAttributeValues(Map.of(":t", s("acme"), ":s", n(5)))
                .exclusiveStartKey(item("tenant", s("acme"), "seq", n(2)))));

        assertEquals("The provided starting key does not match the range key predicate",
                e.awsErrorDetails().errorMessage());
    }
}
