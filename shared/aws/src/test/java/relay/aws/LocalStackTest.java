package relay.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.containers.localstack.LocalStackContainer.Service;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.log.RequestLog;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTimeToLiveRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.CreateSecretRequest;

/**
 * Relay's AWS stores against LocalStack (real AWS wire protocols, run in Docker). Skipped, not
 * failed, where Docker is not available.
 */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackTest {
    private static final String SECRET_ID = "relay/provider-keys";
    private static final String TABLE = "relay-request-log";

    @Container
    static final LocalStackContainer LOCALSTACK =
            new LocalStackContainer(DockerImageName.parse("localstack/localstack:3.8.1"))
                    .withServices(Service.SECRETSMANAGER, Service.DYNAMODB);

    private static StaticCredentialsProvider credentials;
    private static Region region;
    /** For setting up: longer timeouts than Relay's own, since LocalStack's first calls can be slow. */
    private static SecretsManagerClient adminSecrets;
    private static DynamoDbClient adminDynamoDb;

    @BeforeAll
    static void createSecretAndTable() {
        credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey()));
        region = Region.of(LOCALSTACK.getRegion());
        var overrides = ClientOverrideConfiguration.builder().apiCallTimeout(Duration.ofSeconds(60)).build();
        var http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(10)).socketTimeout(Duration.ofSeconds(60)).build();
        adminSecrets = SecretsManagerClient.builder().region(region).credentialsProvider(credentials)
                .endpointOverride(LOCALSTACK.getEndpoint()).httpClient(http).overrideConfiguration(overrides).build();
        adminDynamoDb = DynamoDbClient.builder().region(region).credentialsProvider(credentials)
                .endpointOverride(LOCALSTACK.getEndpoint()).httpClient(http).overrideConfiguration(overrides).build();

        adminSecrets.createSecret(CreateSecretRequest.builder()
                .name(SECRET_ID)
                .secretString("{\"OPENAI_API_KEY\":\"sk-localstack\",\"MAX_RETRIES\":3}")
                .build());

        adminDynamoDb.createTable(RequestLogTable.createRequest(TABLE));
        adminDynamoDb.waiter().waitUntilTableExists(DescribeTableRequest.builder().tableName(TABLE).build());
        adminDynamoDb.updateTimeToLive(RequestLogTable.timeToLiveRequest(TABLE));
    }

    @AfterAll
    static void closeClients() {
        if (adminSecrets != null) adminSecrets.close();
        if (adminDynamoDb != null) adminDynamoDb.close();
    }

    @Test
    void keysComeFromTheSecret() {
        try (SecretsManagerClient client = AwsClients.secretsManager(region, credentials, LOCALSTACK.getEndpoint())) {
            var store = new SecretsManagerKeyStore(client, SECRET_ID, Duration.ofMinutes(5), Clock.systemUTC());
            assertEquals(Optional.of("sk-localstack"), store.find("OPENAI_API_KEY"));
            assertEquals(Optional.of("3"), store.find("MAX_RETRIES"));
            assertEquals(Optional.of("sk-localstack"), store.resolve("os.environ/OPENAI_API_KEY"));
            assertEquals(Optional.empty(), store.find("MISSING"));

            var missing = new SecretsManagerKeyStore(client, "relay/missing", Duration.ofMinutes(5), Clock.systemUTC());
            RelayException e = assertThrows(RelayException.class, () -> missing.find("OPENAI_API_KEY"));
            assertEquals(ErrorKind.SERVICE_UNAVAILABLE, e.kind());
        }
    }

    @Test
    void theTableHasTimeToLiveOnExpiresAt() {
        var ttl = adminDynamoDb.describeTimeToLive(DescribeTimeToLiveRequest.builder().tableName(TABLE).build())
                .timeToLiveDescription();
        assertEquals(RequestLogTable.TTL_ATTRIBUTE, ttl.attributeName());
        assertEquals(TimeToLiveStatus.ENABLED, ttl.timeToLiveStatus());
    }

    @Test
    void requestLogsAreWrittenAndReadBack() {
        try (DynamoDbClient client = AwsClients.dynamoDb(region, credentials, LOCALSTACK.getEndpoint())) {
            var store = new DynamoDbRequestLogStore(client, TABLE);
            Instant now = Instant.parse("2025-03-01T12:00:00.123456Z");
            RequestLog success = new RequestLog("req-" + UUID.randomUUID(), now, "POST /v1/chat/completions",
                    "gpt-4o", "openai/gpt-4o", 200, 321, 10, 5, 15, true, null, null,
                    now.plus(Duration.ofDays(30)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            RequestLog failure = new RequestLog("req-" + UUID.randomUUID(), now, "POST /v1/chat/completions",
                    null, null, 401, 3, null, null, null, false, "authentication_error", "invalid_api_key",
                    now.plus(Duration.ofDays(30)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));

            store.write(success);
            store.write(failure);

            assertEquals(success, DynamoDbRequestLogStore.fromItem(item(client, success.requestId())));
            Map<String, AttributeValue> failed = item(client, failure.requestId());
            assertEquals(failure, DynamoDbRequestLogStore.fromItem(failed));
            assertEquals(false, failed.containsKey("requested_model"));
            assertEquals(false, failed.containsKey("prompt_tokens"));

            // A missing table is reported in Relay's log, not thrown.
            new DynamoDbRequestLogStore(client, "no-such-table").write(success);
        }
    }

    private static Map<String, AttributeValue> item(DynamoDbClient client, String requestId) {
        return client.getItem(GetItemRequest.builder()
                .tableName(TABLE)
                .key(Map.of(RequestLogTable.PARTITION_KEY, AttributeValue.fromS(requestId)))
                .consistentRead(true)
                .build()).item();
    }
}
