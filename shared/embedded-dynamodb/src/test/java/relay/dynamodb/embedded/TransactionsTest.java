package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static relay.dynamodb.embedded.Fixtures.item;
import static relay.dynamodb.embedded.Fixtures.n;
import static relay.dynamodb.embedded.Fixtures.s;
import static relay.dynamodb.embedded.Fixtures.table;
import static relay.dynamodb.embedded.Fixtures.uniqueTableName;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

class TransactionsTest {
    private static EmbeddedDynamoDb db;
    private static DynamoDbClient client;
    private String budgets;
    private String usage;

    @BeforeAll
    static void start() {
        db = EmbeddedDynamoDb.start();
        client = Fixtures.client(db);
    }

    @AfterAll
    static void stop() {
        client.close();
        db.close();
    }

    @BeforeEach
    void createTables() {
        budgets = uniqueTableName("budgets");
        usage = uniqueTableName("usage");
        client.createTable(table(budgets, "key_id", null, null).build());
        client.createTable(table(usage, "request_id", null, null).build());
        client.putItem(b -> b.tableName(budgets).item(item("key_id", s("k1"), "remaining", n(100))));
    }

    private TransactWriteItem spend(long amount) {
        return TransactWriteItem.builder().update(u -> u.tableName(budgets).key(item("key_id", s("k1")))
                .updateExpression("SET remaining = remaining - :amount")
                .conditionExpression("remaining >= :amount")
                .expressionAttributeValues(Map.of(":amount", n(amount)))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)).build();
    }

    private TransactWriteItem record(String requestId) {
        return TransactWriteItem.builder().put(p -> p.tableName(usage).item(item("request_id", s(requestId)))
                .conditionExpression("attribute_not_exists(request_id)")).build();
    }

    @Test
    void transactWrite_appliesEveryActionAcrossTables() {
        client.transactWriteItems(b -> b.transactItems(spend(30), record("r1")));

        assertEquals("70", client.getItem(b -> b.tableName(budgets).key(item("key_id", s("k1")))).item()
                .get("remaining").n());
        assertEquals(1, client.scan(b -> b.tableName(usage)).count());
    }

    @Test
    void transactWrite_withOneFailingCondition_appliesNothing_andReportsReasons() {
        TransactionCanceledException e = assertThrows(TransactionCanceledException.class,
                () -> client.transactWriteItems(b -> b.transactItems(record("r2"), spend(500))));

        List<CancellationReason> reasons = e.cancellationReasons();
        assertEquals(List.of("None", "ConditionalCheckFailed"), reasons.stream().map(CancellationReason::code).toList());
        assertEquals(item("key_id", s("k1"), "remaining", n(100)), reasons.get(1).item());
        assertEquals(0, client.scan(b -> b.tableName(usage)).count());
        assertEquals("100", client.getItem(b -> b.tableName(budgets).key(item("key_id", s("k1")))).item()
                .get("remaining").n());
    }

    @Test
    void transactWrite_conditionCheckAndDelete() {
        client.putItem(b -> b.tableName(usage).item(item("request_id", s("old"))));

        client.transactWriteItems(b -> b.transactItems(
                TransactWriteItem.builder().conditionCheck(c -> c.tableName(budgets).key(item("key_id", s("k1")))
                        .conditionExpression("attribute_exists(key_id)")).build(),
                TransactWriteItem.builder().delete(d -> d.tableName(usage).key(item("request_id", s("old"))))
                        .build()));

        assertFalse(client.getItem(b -> b.tableName(usage).key(item("request_id", s("old")))).hasItem());
    }

    @Test
    void transactWrite_twoActionsOnOneItem_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class,
                () -> client.transactWriteItems(b -> b.transactItems(spend(1), spend(2))));

        assertEquals("Transaction request cannot include multiple operations on one item",
                e.awsErrorDetails().errorMessage());
    }

    @Test
    void transactGet_readsItemsFromSeveralTables() {
        client.putItem(b -> b.tableName(usage).item(item("request_id", s("r9"), "tokens", n(12))));

        var responses = client.transactGetItems(b -> b.transactItems(
                TransactGetItem.builder().get(g -> g.tableName(budgets).key(item("key_id", s("k1")))).build(),
                TransactGetItem.builder().get(g -> g.tableName(usage).key(item("request_id", s("r9")))
                        .projectionExpression("tokens")).build(),
                TransactGetItem.builder().get(g -> g.tableName(usage).key(item("request_id", s("none")))).build()))
                .responses();

        assertEquals("100", responses.get(0).item().get("remaining").n());
        assertEquals(item("tokens", n(12)), responses.get(1).item());
        assertFalse(responses.get(2).hasItem());
    }
}
