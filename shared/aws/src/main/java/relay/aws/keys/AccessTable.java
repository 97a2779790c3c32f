package relay.aws.keys;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The virtual keys' table: the one definition the local server creates it from; the SAM template
 * declares the same table ({@code AccessTable}) and a test keeps the two in step. One table, three
 * kinds of item ({@link DynamoDbAccessStore} writes them):
 * <ul>
 *   <li>a key: {@code pk = "key"}, {@code sk = <key_hash>} (the SHA-256 of the key, never the key);
 *       {@code doc} (the key's settings, JSON) and {@code version};
 *   <li>a team: {@code pk = "team"}, {@code sk = <team_id>}; {@code doc}, {@code version};
 *   <li>the usage counters of a key, team or end user: {@code pk = "key#<key id>"}, {@code "team#<team_id>"}
 *       or {@code "user#<user>"}, {@code sk = "counters"}; numbers only (spend per budget period,
 *       reservations, rate-limit windows), changed by conditional {@code UpdateItem}s.
 * </ul>
 * Keys and teams are listed by a Query on their {@code pk}, never a Scan. On demand, no index, no TTL.
 */
public final class AccessTable {
    public static final String PARTITION_KEY = "pk";
    public static final String SORT_KEY = "sk";
    /** The local server's table name; on AWS the template's, from {@link #ENVIRONMENT_VARIABLE}. */
    public static final String LOCAL_NAME = "relay-access";
    public static final String ENVIRONMENT_VARIABLE = "RELAY_ACCESS_TABLE";

    private AccessTable() {}

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

    /** Creates the table unless it exists (a local server's {@code --data-dir} from an earlier run). */
    public static void createIfMissing(DynamoDbClient client, String tableName) {
        relay.aws.Tables.createIfMissing(client, createRequest(tableName), null);
    }
}
