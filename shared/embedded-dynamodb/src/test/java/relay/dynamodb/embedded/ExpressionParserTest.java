package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The expression grammar and its evaluation, below the HTTP layer. */
class ExpressionParserTest {
    private static final ObjectNode ITEM = Json.parseObject("""
            {"a":{"N":"5"},"s":{"S":"hello"},"b":{"B":"AAEC"},"tags":{"SS":["x","y"]},
             "m":{"M":{"nested":{"L":[{"S":"first"},{"N":"2"}]}}},"flag":{"BOOL":true}}""");

    private static boolean test(String expression, String values) {
        ExpressionAttributes attributes = new ExpressionAttributes(
                Json.parseObject("{\"#n\":\"a\"}"), Json.parseObject(values));
        return ConditionEvaluator.test(ExpressionParser.condition("ConditionExpression", expression, attributes),
                ITEM);
    }

    @Test
    void andBindsTighterThanOr() {
        String values = "{\":t\":{\"BOOL\":true},\":f\":{\"BOOL\":false}}";
        assertTrue(test("flag = :t OR flag = :f AND flag = :f", values));
        assertFalse(test("(flag = :t OR flag = :f) AND flag = :f", values));
        assertTrue(test("NOT flag = :f AND NOT (flag = :f)", values));
    }

    @Test
    void numbersCompareNumerically_notAsText() {
        assertTrue(test("#n < :ten", "{\":ten\":{\"N\":\"10\"}}"));
        assertTrue(test("#n = :five", "{\":five\":{\"N\":\"5.00\"}}"));
        assertTrue(test("#n BETWEEN :lo AND :hi", "{\":lo\":{\"N\":\"-1e2\"},\":hi\":{\"N\":\"5\"}}"));
    }

    @Test
    void comparingDifferentTypes_isFalse_butNotEqualIsTrue() {
        assertFalse(test("s < :n", "{\":n\":{\"N\":\"1\"}}"));
        assertTrue(test("s <> :n", "{\":n\":{\"N\":\"1\"}}"));
        assertTrue(test("absent <> :n", "{\":n\":{\"N\":\"1\"}}"));
    }

    @Test
    void functions_onStringsSetsListsAndBinary() {
        assertTrue(test("begins_with(s, :p) AND contains(s, :mid)", "{\":p\":{\"S\":\"he\"},\":mid\":{\"S\":\"ll\"}}"));
        assertTrue(test("contains(tags, :x) AND NOT contains(tags, :z)",
                "{\":x\":{\"S\":\"x\"},\":z\":{\"S\":\"z\"}}"));
        assertTrue(test("contains(m.nested, :two)", "{\":two\":{\"N\":\"2\"}}"));
        assertTrue(test("m.nested[0] = :first", "{\":first\":{\"S\":\"first\"}}"));
        assertTrue(test("begins_with(b, :prefix)", "{\":prefix\":{\"B\":\"AAE=\"}}"));
        assertTrue(test("size(s) = :five AND size(tags) > :one",
                "{\":five\":{\"N\":\"5\"},\":one\":{\"N\":\"1\"}}"));
        assertTrue(test("attribute_type(tags, :ss) AND attribute_exists(m.nested)", "{\":ss\":{\"S\":\"SS\"}}"));
        assertTrue(test("s IN (:a, :b)", "{\":a\":{\"S\":\"nope\"},\":b\":{\"S\":\"hello\"}}"));
    }

    @Test
    void unknownFunction_isRejected() {
        ApiException e = assertThrows(ApiException.class, () -> test("frobnicate(s)", "{\":x\":{\"S\":\"x\"}}"));
        assertEquals("Invalid ConditionExpression: Invalid function name; function: frobnicate", e.getMessage());
    }

    @Test
    void undefinedPlaceholders_areRejectedWithDynamoDbMessages() {
        ExpressionAttributes attributes = new ExpressionAttributes(null, null);
        ApiException value = assertThrows(ApiException.class,
                () -> ExpressionParser.condition("FilterExpression", "a = :missing", attributes));
        ApiException name = assertThrows(ApiException.class,
                () -> ExpressionParser.condition("FilterExpression", "#missing = a", attributes));

        assertEquals("Invalid FilterExpression: An expression attribute value used in expression is not defined; "
                + "attribute value: :missing", value.getMessage());
        assertEquals("Invalid FilterExpression: An expression attribute name used in the document path is not "
                + "defined; attribute name: #missing", name.getMessage());
    }

    @Test
    void updateExpression_parsesAllClauses_andRejectsOverlappingPaths() {
        ExpressionAttributes attributes = new ExpressionAttributes(null, Json.parseObject(
                "{\":v\":{\"N\":\"1\"},\":s\":{\"SS\":[\"a\"]}}"));
        UpdateExpression update = ExpressionParser.update(
                "set a = a + :v, b = if_not_exists(b, :v) remove c, d[1] add e :v delete f :s", attributes);

        assertEquals(2, update.sets().size());
        assertEquals(List.of(List.of("c"), List.of("d", 1)),
                update.removes().stream().map(DocumentPath::elements).toList());
        ApiException overlap = assertThrows(ApiException.class, () -> ExpressionParser.update(
                "SET m.a = :v REMOVE m", attributes));
        assertTrue(overlap.getMessage().contains("Two document paths overlap"), overlap.getMessage());
        ApiException twice = assertThrows(ApiException.class, () -> ExpressionParser.update(
                "SET a = :v SET b = :v", attributes));
        assertTrue(twice.getMessage().contains("can only be used once"), twice.getMessage());
    }

    @Test
    void syntaxError_namesTheOffendingToken() {
        ExpressionAttributes attributes = new ExpressionAttributes(null, Json.parseObject("{\":v\":{\"N\":\"1\"}}"));
        ApiException e = assertThrows(ApiException.class,
                () -> ExpressionParser.condition("ConditionExpression", "a = = :v", attributes));

        assertTrue(e.getMessage().startsWith("Invalid ConditionExpression: Syntax error; token: \"=\""),
                e.getMessage());
    }
}
