package relay.aws.cache;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveSpecification;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

/**
 * The response-cache table's shape: the one definition the local server creates the table from. The
 * SAM template declares the same table ({@code ResponseCacheTable}); a test keeps the two in step.
 *
 * <p>One table, two kinds of item ({@link DynamoDbResponseCache} writes them):
 * <ul>
 *   <li>entry: {@code pk = "x#" + exactKey}, {@code sk = "x"}; the answer, {@code stored_at},
 *       {@code expires_at}, and for a semantic entry the prompt text, its scope and vector (to delete its band items);
 *   <li>band item, two per LSH band of a semantic entry: {@code pk = "s#" + scope + "#" + band + "#" + bucket}
 *       and {@code "f#" + …} with a finer bucket (read when the first is full),
 *       {@code sk = storedAtMillis + "#" + exactKey}; the vector (binary, int8), {@code expires_at}.
 * </ul>
 * On demand, TTL on {@code expires_at}, no indexes.
 */
public final class ResponseCacheTable {
    public static final String PARTITION_KEY = "pk";
    public static final String SORT_KEY = "sk";
    public static final String TTL_ATTRIBUTE = "expires_at";
    /** The local server's table name; on AWS the template's, from {@code RELAY_RESPONSE_CACHE_TABLE}. */
    public static final String LOCAL_NAME = "relay-response-cache";
    public static final String ENVIRONMENT_VARIABLE = "RELAY_RESPONSE_CACHE_TABLE";

    private ResponseCacheTable() {}

    public static CreateTableRequest createRequest(String tableName) {
        return CreateTableRequest.builder()
                .tableName(tableName)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        AttributeDefinition.builder().attributeName(PARTITION_KEY).attributeType(ScalarAttributeType.S).build(),
                        AttributeDefinition.builder().attributeName(SORT_KEY).attributeType(ScalarAttributeType.S).build())
                .keySchema(
                        KeySchemaElement.builder().attributeName(PARTITION_KEY).keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName(SORT_KEY).keyType(KeyType.RANGE).build())
                .build();
    }

    /** Creates the table with its TTL unless it exists (a local server's {@code --data-dir} from an earlier run). */
    public static void createIfMissing(DynamoDbClient client, String tableName) {
        relay.aws.Tables.createIfMissing(client, createRequest(tableName), TTL_ATTRIBUTE);
    }

    public static UpdateTimeToLiveRequest timeToLiveRequest(String tableName) {
        return UpdateTimeToLiveRequest.builder()
                .tableName(tableName)
                .timeToLiveSpecification(TimeToLiveSpecification.builder()
                        .attributeName(TTL_ATTRIBUTE).enabled(true).build())
                .build();
    }
}
