package relay.aws.responses;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The table of stored responses ({@code /v1/responses} with {@code store}): one item per response,
 * {@code id} its key; {@code owner} (the creating key's hash), {@code body} (the response and its
 * conversation, gzipped JSON), {@code expires_at} (epoch seconds, the table's TTL). On demand, no indexes.
 */
public final class ResponseStoreTable {
    public static final String PARTITION_KEY = "id";
    public static final String TTL_ATTRIBUTE = "expires_at";
    /** The local server's table name; on AWS the template's, from {@code RELAY_RESPONSE_STORE_TABLE}. */
    public static final String LOCAL_NAME = "relay-responses";
    public static final String ENVIRONMENT_VARIABLE = "RELAY_RESPONSE_STORE_TABLE";

    private ResponseStoreTable() {}

    public static CreateTableRequest createRequest(String tableName) {
        return CreateTableRequest.builder()
                .tableName(tableName)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder().attributeName(PARTITION_KEY).attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName(PARTITION_KEY).keyType(KeyType.HASH).build())
                .build();
    }

    /** Creates the table with its TTL unless it exists (a local server's data directory from an earlier run). */
    public static void createIfMissing(DynamoDbClient client, String tableName) {
        relay.aws.Tables.createIfMissing(client, createRequest(tableName), TTL_ATTRIBUTE);
    }
}
