package relay.aws;

import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveSpecification;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

/**
 * The request-log table's shape: the one definition the local server creates tables from. The SAM
 * template declares the same table; a test keeps the two in step.
 */
public final class RequestLogTable {
    public static final String PARTITION_KEY = "request_id";
    public static final String TTL_ATTRIBUTE = "expires_at";

    private RequestLogTable() {}

    public static CreateTableRequest createRequest(String tableName) {
        return CreateTableRequest.builder()
                .tableName(tableName)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder()
                        .attributeName(PARTITION_KEY).attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName(PARTITION_KEY).keyType(KeyType.HASH).build())
                .build();
    }

    public static UpdateTimeToLiveRequest timeToLiveRequest(String tableName) {
        return UpdateTimeToLiveRequest.builder()
                .tableName(tableName)
                .timeToLiveSpecification(TimeToLiveSpecification.builder()
                        .attributeName(TTL_ATTRIBUTE).enabled(true).build())
                .build();
    }
}
