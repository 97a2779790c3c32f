package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.dynamodb.embedded.Fixtures.item;
import static relay.dynamodb.embedded.Fixtures.n;
import static relay.dynamodb.embedded.Fixtures.s;
import static relay.dynamodb.embedded.Fixtures.table;
import static relay.dynamodb.embedded.Fixtures.uniqueTableName;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

class ItemOperationsTest extends ServerTest {
    private String table;

    @BeforeEach
    void createTable() {
        table = uniqueTableName("items");
        createActive(table(table, "request_id", null, null).build());
    }

    private Map<String, AttributeValue> get(String id) {
        return client.getItem(b -> b.tableName(table).key(item("request_id", s(id))).consistentRead(true)).item();
    }

    @Test
    void putThenGet_roundTripsEveryAttributeType() {
        Map<String, AttributeValue> original = item(
                "request_id", s("r1"),
                "string", s("héllo ✓"),
                "empty", s(""),
                "number", n("-12.5"),
                "binary", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, 1, (byte) 0xff})),
                "bool", AttributeValue.fromBool(true),
                "null", AttributeValue.fromNul(true),
                "map", AttributeValue.fromM(item("nested", s("x"), "deeper", AttributeValue.fromM(item("n", n(1))))),
                "list", AttributeValue.fromL(List.of(s("a"), n(2), AttributeValue.fromBool(false))),
                "strings", AttributeValue.fromSs(List.of("b", "a")),
                "numbers", AttributeValue.fromNs(List.of("1", "2.5")),
                "binaries", AttributeValue.fromBs(List.of(SdkBytes.fromUtf8String("x"), SdkBytes.fromUtf8String("y"))));

        client.putItem(b -> b.tableName(table).item(original));

        assertEquals(original, get("r1"));
    }

    @Test
    void putItem_normalisesNumbers() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("n"), "a", n("1.500"), "b", n("1E3"))));

        Map<String, AttributeValue> stored = get("n");
        assertEquals("1.5", stored.get("a").n());
        assertEquals("1000", stored.get("b").n());
    }

    @Test
    void getItem_missingItem_returnsNoItem() {
        var response = client.getItem(b -> b.tableName(table).key(item("request_id", s("absent"))));

        assertFalse(response.hasItem());
    }

    @Test
    void getItem_withProjectionExpression_returnsOnlyThosePaths() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("p"), "a", s("1"), "b", s("2"),
                "m", AttributeValue.fromM(item("x", s("keep"), "y", s("drop"))),
                "l", AttributeValue.fromL(List.of(s("l0"), s("l1"), s("l2"))))));

        Map<String, AttributeValue> projected = client.getItem(b -> b.tableName(table)
                .key(item("request_id", s("p")))
                .projectionExpression("a, m.x, #l[2]")
                .expressionAttributeNames(Map.of("#l", "l"))).item();

        assertEquals(item("a", s("1"), "m", AttributeValue.fromM(item("x", s("keep"))),
                "l", AttributeValue.fromL(List.of(s("l2")))), projected);
    }

    @Test
    void putItem_withReturnValuesAllOld_returnsReplacedItem() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("r"), "v", n(1))));

        var response = client.putItem(b -> b.tableName(table).item(item("request_id", s("r"), "v", n(2)))
                .returnValues(ReturnValue.ALL_OLD));

        assertEquals(item("request_id", s("r"), "v", n(1)), response.attributes());
    }

    @Test
    void conditionalPut_whenItemExists_throwsConditionalCheckFailed() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("dup"), "v", n(1))));

        ConditionalCheckFailedException e = assertThrows(ConditionalCheckFailedException.class,
                () -> client.putItem(b -> b.tableName(table).item(item("request_id", s("dup"), "v", n(2)))
                        .conditionExpression("attribute_not_exists(request_id)")));

        assertEquals(400, e.statusCode());
        assertEquals("The conditional request failed", e.awsErrorDetails().errorMessage());
        assertEquals("1", get("dup").get("v").n(), "the failed put changed nothing");
    }

    @Test
    void conditionalPut_withReturnValuesOnFailure_echoesCurrentItem() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("c"), "version", n(3))));

        ConditionalCheckFailedException e = assertThrows(ConditionalCheckFailedException.class,
                () -> client.putItem(b -> b.tableName(table).item(item("request_id", s("c"), "version", n(5)))
                        .conditionExpression("version = :expected")
                        .expressionAttributeValues(Map.of(":expected", n(4)))
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)));

        assertEquals(item("request_id", s("c"), "version", n(3)), e.item());
    }

    @Test
    void conditionalPut_whenConditionHolds_writes() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("ok"), "version", n(1))));

        client.putItem(b -> b.tableName(table).item(item("request_id", s("ok"), "version", n(2)))
                .conditionExpression("version = :v AND attribute_exists(request_id)")
                .expressionAttributeValues(Map.of(":v", n(1))));

        assertEquals("2", get("ok").get("version").n());
    }

    @Test
    void deleteItem_withFailingCondition_keepsItem_andAllOldReturnsDeletedItem() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("d"), "state", s("open"))));

        assertThrows(ConditionalCheckFailedException.class, () -> client.deleteItem(b -> b.tableName(table)
                .key(item("request_id", s("d")))
                .conditionExpression("#s = :closed")
                .expressionAttributeNames(Map.of("#s", "state"))
                .expressionAttributeValues(Map.of(":closed", s("closed")))));
        var deleted = client.deleteItem(b -> b.tableName(table).key(item("request_id", s("d")))
                .returnValues(ReturnValue.ALL_OLD));

        assertEquals(s("open"), deleted.attributes().get("state"));
        assertTrue(get("d").isEmpty());
    }

    @Test
    void updateItem_setAndAdd_createsThenIncrements() {
        for (int i = 0; i < 3; i++) {
            client.updateItem(b -> b.tableName(table).key(item("request_id", s("u")))
                    .updateExpression("SET model = :m, provider = :p ADD tokens :inc")
                    .expressionAttributeValues(Map.of(":m", s("gpt"), ":p", s("openai"), ":inc", n(10))));
        }

        assertEquals(item("request_id", s("u"), "model", s("gpt"), "provider", s("openai"), "tokens", n(30)),
                get("u"));
    }

    @Test
    void updateItem_returnValuesAllNew_returnsUpdatedItem() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("a"), "n", n(1), "gone", s("x"))));

        var response = client.updateItem(b -> b.tableName(table).key(item("request_id", s("a")))
                .updateExpression("SET n = n + :one, tags = list_append(if_not_exists(tags, :empty), :tag) "
                        + "REMOVE gone")
                .expressionAttributeValues(Map.of(":one", n(1), ":empty", AttributeValue.fromL(List.of()),
                        ":tag", AttributeValue.fromL(List.of(s("t")))))
                .returnValues(ReturnValue.ALL_NEW));

        assertEquals(item("request_id", s("a"), "n", n(2), "tags", AttributeValue.fromL(List.of(s("t")))),
                response.attributes());
    }

    @Test
    void updateItem_returnValuesUpdatedOld_returnsOnlyChangedAttributes() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("o"), "a", n(1), "b", n(2))));

        var response = client.updateItem(b -> b.tableName(table).key(item("request_id", s("o")))
                .updateExpression("SET a = :v").expressionAttributeValues(Map.of(":v", n(9)))
                .returnValues(ReturnValue.UPDATED_OLD));

        assertEquals(item("a", n(1)), response.attributes());
    }

    @Test
    void updateItem_addAndDeleteOnSets() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("set"),
                "tags", AttributeValue.fromSs(List.of("a", "b")))));

        client.updateItem(b -> b.tableName(table).key(item("request_id", s("set")))
                .updateExpression("ADD tags :add DELETE tags_missing :none")
                .expressionAttributeValues(Map.of(":add", AttributeValue.fromSs(List.of("b", "c")),
                        ":none", AttributeValue.fromSs(List.of("z")))));
        client.updateItem(b -> b.tableName(table).key(item("request_id", s("set")))
                .updateExpression("DELETE tags :gone")
                .expressionAttributeValues(Map.of(":gone", AttributeValue.fromSs(List.of("a")))));

        assertEquals(List.of("b", "c"), get("set").get("tags").ss());
    }

    @Test
    void updateItem_withFailingCondition_throwsAndLeavesItem() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("lock"), "owner", s("me"))));

        assertThrows(ConditionalCheckFailedException.class, () -> client.updateItem(b -> b.tableName(table)
                .key(item("request_id", s("lock")))
                .updateExpression("SET #o = :them")
                .conditionExpression("attribute_not_exists(#o) OR #o = :them")
                .expressionAttributeNames(Map.of("#o", "owner"))
                .expressionAttributeValues(Map.of(":them", s("them")))));

        assertEquals("me", get("lock").get("owner").s());
    }

    @Test
    void updateItem_onKeyAttribute_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.updateItem(b -> b.tableName(table)
                .key(item("request_id", s("k")))
                .updateExpression("SET request_id = :v")
                .expressionAttributeValues(Map.of(":v", s("other")))));

        assertTrue(e.awsErrorDetails().errorMessage().contains("This attribute is part of the key"));
    }

    @Test
    void putItem_missingKey_isValidationErrorNamingTheKey() {
        DynamoDbException e = assertThrows(DynamoDbException.class,
                () -> client.putItem(b -> b.tableName(table).item(item("other", s("x")))));

        assertEquals(400, e.statusCode());
        assertEquals("ValidationException", e.awsErrorDetails().errorCode());
        assertEquals("One or more parameter values were invalid: Missing the key request_id in the item",
                e.awsErrorDetails().errorMessage());
    }

    @Test
    void putItem_keyOfWrongType_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class,
                () -> client.putItem(b -> b.tableName(table).item(item("request_id", n(1)))));

        assertEquals("One or more parameter values were invalid: Type mismatch for key request_id expected: S "
                + "actual: N", e.awsErrorDetails().errorMessage());
    }

    @Test
    void putItem_emptyStringKey_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class,
                () -> client.putItem(b -> b.tableName(table).item(item("request_id", s("")))));

        assertTrue(e.awsErrorDetails().errorMessage().contains("cannot contain an empty string value"));
    }

    @Test
    void putItem_over400Kb_isValidationError() {
        String big = "x".repeat(400 * 1024);

        DynamoDbException e = assertThrows(DynamoDbException.class,
                () -> client.putItem(b -> b.tableName(table).item(item("request_id", s("big"), "body", s(big)))));

        assertEquals("Item size has exceeded the maximum allowed size", e.awsErrorDetails().errorMessage());
    }

    @Test
    void getItem_withIncompleteKey_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class,
                () -> client.getItem(b -> b.tableName(table).key(item("wrong", s("x")))));

        assertEquals("The provided key element does not match the schema", e.awsErrorDetails().errorMessage());
    }

    @Test
    void putItem_unknownTable_throwsResourceNotFound() {
        ResourceNotFoundException e = assertThrows(ResourceNotFoundException.class,
                () -> client.putItem(b -> b.tableName("missing-table").item(item("request_id", s("x")))));

        assertEquals("Requested resource not found", e.awsErrorDetails().errorMessage());
    }

    @Test
    void expression_usingReservedWord_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.updateItem(b -> b.tableName(table)
                .key(item("request_id", s("r")))
                .updateExpression("SET status = :s")
                .expressionAttributeValues(Map.of(":s", s("done")))));

        assertEquals("Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status",
                e.awsErrorDetails().errorMessage());
    }

    @Test
    void expression_withUnusedValue_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.putItem(b -> b.tableName(table)
                .item(item("request_id", s("r")))
                .conditionExpression("attribute_not_exists(request_id)")
                .expressionAttributeValues(Map.of(":unused", s("x")))));

        assertEquals("Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}",
                e.awsErrorDetails().errorMessage());
    }

    @Test
    void expression_withSyntaxError_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.updateItem(b -> b.tableName(table)
                .key(item("request_id", s("r")))
                .updateExpression("SET a = ")));

        assertTrue(e.awsErrorDetails().errorMessage().startsWith("Invalid UpdateExpression: Syntax error; token: "),
                e.awsErrorDetails().errorMessage());
    }

    @Test
    void putItem_withReturnConsumedCapacity_reportsUnits() {
        var response = client.putItem(b -> b.tableName(table).item(item("request_id", s("cap")))
                .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));

        assertEquals(table, response.consumedCapacity().tableName());
        assertEquals(1.0, response.consumedCapacity().capacityUnits());
    }

    @Test
    void secondaryTable_withNumericRangeKey_keepsItemsApartByRangeKey() {
        String ranged = uniqueTableName("ranged");
        createActive(table(ranged, "pk", "sk", ScalarAttributeType.N).build());
        client.putItem(b -> b.tableName(ranged).item(item("pk", s("p"), "sk", n("1"), "v", s("one"))));
        client.putItem(b -> b.tableName(ranged).item(item("pk", s("p"), "sk", n("1.0"), "v", s("same key"))));
        client.putItem(b -> b.tableName(ranged).item(item("pk", s("p"), "sk", n("2"), "v", s("two"))));

        assertEquals(2, client.scan(b -> b.tableName(ranged)).count());
        assertEquals("same key",
                client.getItem(b -> b.tableName(ranged).key(item("pk", s("p"), "sk", n(1)))).item().get("v").s());
    }

    @Test
    void updateItem_onNestedPathsAndListIndexes() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("doc"),
                "usage", AttributeValue.fromM(item("prompt", n(1))),
                "steps", AttributeValue.fromL(List.of(s("a"), s("b"), s("c"))))));

        client.updateItem(b -> b.tableName(table).key(item("request_id", s("doc")))
                .updateExpression("SET #u.completion = :n, #u.prompt = #u.prompt + :n, steps[1] = :x "
                        + "REMOVE steps[0]")
                .expressionAttributeNames(Map.of("#u", "usage"))
                .expressionAttributeValues(Map.of(":n", n(5), ":x", s("B"))));

        Map<String, AttributeValue> updated = get("doc");
        assertEquals(item("prompt", n(6), "completion", n(5)), updated.get("usage").m());
        assertEquals(List.of(s("B"), s("c")), updated.get("steps").l());
    }

    @Test
    void updateItem_setBelowAMissingMap_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.updateItem(b -> b.tableName(table)
                .key(item("request_id", s("nested")))
                .updateExpression("SET absent.child = :v")
                .expressionAttributeValues(Map.of(":v", n(1)))));

        assertEquals("The document path provided in the update expression is invalid for update",
                e.awsErrorDetails().errorMessage());
    }

    @Test
    void condition_beginsWithANumberValue_isValidationError_notAFailedCondition() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("bw"), "model", s("gpt-4"))));

        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.putItem(b -> b.tableName(table)
                .item(item("request_id", s("bw")))
                .conditionExpression("begins_with(model, :prefix)")
                .expressionAttributeValues(Map.of(":prefix", n(4)))));

        assertEquals("ValidationException", e.awsErrorDetails().errorCode());
        assertEquals("Invalid ConditionExpression: Incorrect operand type for operator or function; "
                + "operator or function: begins_with, operand type: N", e.awsErrorDetails().errorMessage());
    }

    @Test
    void condition_sizeOfAValue_isTheValuesSize() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("sz"), "v", n(1))));

        client.putItem(b -> b.tableName(table).item(item("request_id", s("sz"), "v", n(2)))
                .conditionExpression("size(:word) = :three")
                .expressionAttributeValues(Map.of(":word", s("abc"), ":three", n(3))));

        assertEquals("2", get("sz").get("v").n());
    }

    @Test
    void updateItem_addingAStringValue_isValidationErrorNamingTheOperator() {
        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.updateItem(b -> b.tableName(table)
                .key(item("request_id", s("plus")))
                .updateExpression("SET tokens = :text + :one")
                .expressionAttributeValues(Map.of(":text", s("x"), ":one", n(1)))));

        assertEquals("Invalid UpdateExpression: Incorrect operand type for operator or function; "
                + "operator or function: +, operand type: S", e.awsErrorDetails().errorMessage());
    }

    @Test
    void putItem_numberWithSpaces_isValidationError() {
        DynamoDbException e = assertThrows(DynamoDbException.class,
                () -> client.putItem(b -> b.tableName(table).item(item("request_id", s("sp"), "v", n(" 1")))));

        assertEquals("ValidationException", e.awsErrorDetails().errorCode());
        assertTrue(e.awsErrorDetails().errorMessage().contains("cannot be converted to a numeric value"),
                e.awsErrorDetails().errorMessage());
    }

    @Test
    void putItem_numberWithAPlusSign_isStoredWithoutIt() {
        client.putItem(b -> b.tableName(table).item(item("request_id", s("plus-sign"), "v", n("+3"))));

        assertEquals("3", get("plus-sign").get("v").n());
    }
}
