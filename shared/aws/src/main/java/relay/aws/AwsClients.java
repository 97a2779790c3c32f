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

    /** @param endpoint null for AWS itself; an override for the embedded DynamoDB or a test server */
    public static DynamoDbClient dynamoDb(Region region, AwsCredentialsProvider credentials, URI endpoint) {
        var builder = DynamoDbClient.builder()
                .region(region)
                .credentialsProvider(credentials)
                .httpClient(httpClient())
                .overrideConfiguration(overrides());
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
