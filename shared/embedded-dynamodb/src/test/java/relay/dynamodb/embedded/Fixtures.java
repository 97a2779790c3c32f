package relay.dynamodb.embedded;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/** Real AWS SDK clients pointed at an embedded server, and terse item builders. */
final class Fixtures {
    private static final AtomicInteger TABLES = new AtomicInteger();

    private Fixtures() {
    }

    static DynamoDbClient client(EmbeddedDynamoDb db) {
        return client(db.endpoint());
    }

    static DynamoDbClient client(URI endpoint) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("fake", "fake")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    static DynamoDbStreamsClient streamsClient(EmbeddedDynamoDb db) {
        return DynamoDbStreamsClient.builder()
                .endpointOverride(db.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("fake", "fake")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    static String uniqueTableName(String prefix) {
        return prefix + "-" + TABLES.incrementAndGet();
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static AttributeValue n(String value) {
        return AttributeValue.fromN(value);
    }

    /** {@code item("pk", s("a"), "n", n(1))}. */
    static Map<String, AttributeValue> item(Object... namesAndValues) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            item.put((String) namesAndValues[i], (AttributeValue) namesAndValues[i + 1]);
        }
        return item;
    }

    /** A pay-per-request table with a string hash key and an optional range key of the given type. */
    static CreateTableRequest.Builder table(String name, String hashKey, String rangeKey,
            ScalarAttributeType rangeType) {
        CreateTableRequest.Builder builder = CreateTableRequest.builder()
                .tableName(name)
                .billingMode(BillingMode.PAY_PER_REQUEST);
        if (rangeKey == null) {
            return builder
                    .attributeDefinitions(attribute(hashKey, ScalarAttributeType.S))
                    .keySchema(key(hashKey, KeyType.HASH));
        }
        return builder
                .attributeDefinitions(attribute(hashKey, ScalarAttributeType.S), attribute(rangeKey, rangeType))
                .keySchema(key(hashKey, KeyType.HASH), key(rangeKey, KeyType.RANGE));
    }

    static AttributeDefinition attribute(String name, ScalarAttributeType type) {
        return AttributeDefinition.builder().attributeName(name).attributeType(type).build();
    }

    static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
