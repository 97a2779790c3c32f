package relay.aws;

import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveSpecification;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

/**
 * The request-log table's shape: the one definition the local server creates tables from. The SAM
 * template declares the same table; a test keeps the two in step. Two indexes list a key's or a
 * model's requests by time; they carry the summary, not the bodies.
 */
public final class RequestLogTable {
    public static final String PARTITION_KEY = "request_id";
    public static final String TTL_ATTRIBUTE = "expires_at";
    public static final String TIME = "time";
    public static final String BY_KEY_INDEX = "by_key";
    public static final String KEY_HASH = "key_hash";
    public static final String BY_MODEL_INDEX = "by_model";
    public static final String MODEL = "requested_model";

    /** What the indexes hold besides their keys: everything {@code GET /spend/logs} shows. */
    public static final List<String> SUMMARY = List.of("route", "key_alias", "user", "metadata", "deployment", "provider",
            "status", "latency_ms", "provider_latency_ms", "prompt_tokens", "completion_tokens", "total_tokens", "cost_usd",
            "stream", "cache_status", "error_type", "error_code", "attempts", TTL_ATTRIBUTE);

    private RequestLogTable() {}

    public static CreateTableRequest createRequest(String tableName) {
        return CreateTableRequest.builder()
                .tableName(tableName)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        attribute(PARTITION_KEY), attribute(KEY_HASH), attribute(MODEL), attribute(TIME))
                .keySchema(KeySchemaElement.builder().attributeName(PARTITION_KEY).keyType(KeyType.HASH).build())
                .globalSecondaryIndexes(index(BY_KEY_INDEX, KEY_HASH, MODEL), index(BY_MODEL_INDEX, MODEL, KEY_HASH))
                .streamSpecification(StreamSpecification.builder()
                        .streamEnabled(true).streamViewType(StreamViewType.NEW_IMAGE).build())
                .build();
    }

    public static UpdateTimeToLiveRequest timeToLiveRequest(String tableName) {
        return UpdateTimeToLiveRequest.builder()
                .tableName(tableName)
                .timeToLiveSpecification(TimeToLiveSpecification.builder()
                        .attributeName(TTL_ATTRIBUTE).enabled(true).build())
                .build();
    }

    private static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    /** An index by {@code partitionKey} and time, holding the summary and the other index's key. */
    private static GlobalSecondaryIndex index(String name, String partitionKey, String otherKey) {
        List<String> projected = new java.util.ArrayList<>(SUMMARY);
        projected.add(otherKey);
        return GlobalSecondaryIndex.builder()
                .indexName(name)
                .keySchema(KeySchemaElement.builder().attributeName(partitionKey).keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName(TIME).keyType(KeyType.RANGE).build())
                .projection(Projection.builder().projectionType(ProjectionType.INCLUDE).nonKeyAttributes(projected).build())
                .build();
    }
}
