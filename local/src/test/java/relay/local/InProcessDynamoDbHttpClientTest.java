package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.aws.AwsClients;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The same calls through the SDK to two embedded DynamoDBs, one over its HTTP endpoint and one in process: the
 * answers, errors included, are the same. The in-process client is pointed at a port where nothing listens, so
 * an answer can only have come in process.
 */
class InProcessDynamoDbHttpClientTest {
    private static final String TABLE = "calls";
    private static final URI NOWHERE = URI.create("http://127.0.0.1:1");

    private EmbeddedDynamoDb overHttpDb;
    private EmbeddedDynamoDb inProcessDb;
    private DynamoDbClient overHttp;
    private DynamoDbClient inProcess;

    @BeforeEach
    void start() {
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        overHttpDb = EmbeddedDynamoDb.start();
        inProcessDb = EmbeddedDynamoDb.start();
        overHttp = AwsClients.dynamoDb(Region.US_EAST_1, credentials, overHttpDb.endpoint());
        inProcess = AwsClients.dynamoDb(Region.US_EAST_1, credentials, NOWHERE,
                new InProcessDynamoDbHttpClient(inProcessDb));
        for (DynamoDbClient client : List.of(overHttp, inProcess)) {
            client.createTable(b -> b.tableName(TABLE).billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(attribute("pk"), AttributeDefinition.builder().attributeName("sk")
                            .attributeType(ScalarAttributeType.N).build())
                    .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
                            KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build()));
        }
    }

    @AfterEach
    void stop() {
        overHttp.close();
        inProcess.close();
        overHttpDb.close();
        inProcessDb.close();
    }

    @Test
    void putGetBatchWriteAndQuery_answerAsOverHttp() {
        Map<String, AttributeValue> first = item("a", 1, "first");
        Map<String, AttributeValue> second = item("a", 1, "second");
        same(c -> c.putItem(b -> b.tableName(TABLE).item(first)));
        var replaced = same(c -> c.putItem(b -> b.tableName(TABLE).item(second).returnValues(ReturnValue.ALL_OLD)));
        assertEquals(first, replaced.attributes());

        var got = same(c -> c.getItem(b -> b.tableName(TABLE).key(key("a", 1)).returnConsumedCapacity("TOTAL")));
        assertEquals(second, got.item());

        List<WriteRequest> writes = List.of(put(item("a", 2, "x")), put(item("a", 3, "y")), put(item("b", 1, "z")));
        var batch = same(c -> c.batchWriteItem(b -> b.requestItems(Map.of(TABLE, writes))));
        assertTrue(batch.unprocessedItems().isEmpty());

        var page = same(c -> c.query(b -> b.tableName(TABLE).keyConditionExpression("pk = :p")
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS("a"))).limit(2)));
        assertEquals(2, page.count());
        assertEquals(key("a", 2), page.lastEvaluatedKey());
    }

    @Test
    void errors_answerAsOverHttp() {
        Map<String, AttributeValue> existing = item("a", 1, "first");
        same(c -> c.putItem(b -> b.tableName(TABLE).item(existing)));

        var conditionFailed = sameError(c -> c.putItem(b -> b.tableName(TABLE).item(item("a", 1, "other"))
                .conditionExpression("attribute_not_exists(pk)")
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)));
        assertEquals("ConditionalCheckFailedException", conditionFailed.awsErrorDetails().errorCode());
        assertEquals(existing, ((software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException)
                conditionFailed).item());

        var missingTable = sameError(c -> c.getItem(b -> b.tableName("ghost").key(key("a", 1))));
        assertEquals("ResourceNotFoundException", missingTable.awsErrorDetails().errorCode());

        var invalid = sameError(c -> c.putItem(b -> b.tableName(TABLE)
                .item(Map.of("pk", AttributeValue.fromS("no sort key")))));
        assertEquals("ValidationException", invalid.awsErrorDetails().errorCode());
        assertEquals(400, invalid.statusCode());
    }

    /** Runs a call through both clients and asserts the same answer; returns it. */
    private <T extends SdkPojo> T same(Function<DynamoDbClient, T> call) {
        T expected = call.apply(overHttp);
        T actual = call.apply(inProcess);
        assertTrue(expected.equalsBySdkFields(actual), "over HTTP " + expected + ", in process " + actual);
        return actual;
    }

    /** Runs a failing call through both clients and asserts the same error; returns it. */
    private DynamoDbException sameError(Function<DynamoDbClient, ?> call) {
        DynamoDbException expected = assertThrows(DynamoDbException.class, () -> call.apply(overHttp));
        DynamoDbException actual = assertThrows(DynamoDbException.class, () -> call.apply(inProcess));
        assertEquals(expected.getClass(), actual.getClass());
        assertEquals(expected.statusCode(), actual.statusCode());
        assertEquals(expected.awsErrorDetails().errorCode(), actual.awsErrorDetails().errorCode());
        assertEquals(expected.awsErrorDetails().errorMessage(), actual.awsErrorDetails().errorMessage());
        return actual;
    }

    private static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static Map<String, AttributeValue> key(String pk, long sk) {
        return Map.of("pk", AttributeValue.fromS(pk), "sk", AttributeValue.fromN(Long.toString(sk)));
    }

    private static Map<String, AttributeValue> item(String pk, long sk, String note) {
        return Map.of("pk", AttributeValue.fromS(pk), "sk", AttributeValue.fromN(Long.toString(sk)),
                "note", AttributeValue.fromS(note));
    }

    private static WriteRequest put(Map<String, AttributeValue> item) {
        return WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build();
    }
}
