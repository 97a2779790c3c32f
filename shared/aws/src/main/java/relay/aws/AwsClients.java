package relay.aws;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Builds the AWS clients Relay uses, one of each per process: on the JDK's HTTP client (see
 * {@link JdkSdkHttpClient}) with short timeouts, so a slow AWS call cannot hold a request hostage.
 */
public final class AwsClients {
    private AwsClients() {}

    /** The HTTP client every Relay AWS client runs on: the JDK's, 2 s to connect, 5 s per request. */
    public static SdkHttpClient httpClient() {
        return new JdkSdkHttpClient(Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    private static ClientOverrideConfiguration overrides() {
        return ClientOverrideConfiguration.builder()
                .apiCallTimeout(Duration.ofSeconds(5))
                .apiCallAttemptTimeout(Duration.ofSeconds(2))
                .build();
    }

    /**
     * DynamoDB in the function's region answers in milliseconds; the cache lookup sits on the request's
     * path and the log write before the next invocation, so a DynamoDB that does not answer costs at most
     * this, after which the stores pause the table. An endpoint override (the embedded DynamoDB, a test
     * server) keeps the general timeouts: it shares the machine's cores rather than a network.
     */
    static final Duration DYNAMODB_CALL_TIMEOUT = Duration.ofMillis(1500);
    static final Duration DYNAMODB_ATTEMPT_TIMEOUT = Duration.ofMillis(500);

    private static ClientOverrideConfiguration dynamoDbOverrides() {
        return ClientOverrideConfiguration.builder()
                .apiCallTimeout(DYNAMODB_CALL_TIMEOUT)
                .apiCallAttemptTimeout(DYNAMODB_ATTEMPT_TIMEOUT)
                .build();
    }

    /** @param endpoint null for AWS itself; an override for the embedded DynamoDB or a test server */
    public static DynamoDbClient dynamoDb(Region region, AwsCredentialsProvider credentials, URI endpoint) {
        var builder = DynamoDbClient.builder()
                .region(region)
                .credentialsProvider(credentials)
                .httpClient(httpClient())
                .overrideConfiguration(endpoint == null ? dynamoDbOverrides() : overrides());
        if (endpoint != null) builder.endpointOverride(endpoint);
        return builder.build();
    }

    public static SecretsManagerClient secretsManager(Region region, AwsCredentialsProvider credentials, URI endpoint) {
        var builder = SecretsManagerClient.builder()
                .region(region)
                .credentialsProvider(credentials)
                .httpClient(httpClient())
                .overrideConfiguration(overrides());
        if (endpoint != null) builder.endpointOverride(endpoint);
        return builder.build();
    }
}
