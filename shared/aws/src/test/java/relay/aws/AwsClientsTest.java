package relay.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

class AwsClientsTest {
    static final StaticCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b"));

    @Test
    void dynamoDbOnAws_givesUpWithinOneAndAHalfSeconds_soAnOutageCostsLittle() {
        try (var client = AwsClients.dynamoDb(Region.US_EAST_1, CREDENTIALS, null)) {
            var overrides = client.serviceClientConfiguration().overrideConfiguration();
            assertEquals(Duration.ofMillis(1500), overrides.apiCallTimeout().orElseThrow());
            assertEquals(Duration.ofMillis(500), overrides.apiCallAttemptTimeout().orElseThrow());
        }
    }

    @Test
    void dynamoDbAtAnOverriddenEndpoint_keepsTheGeneralTimeouts() {
        try (var client = AwsClients.dynamoDb(Region.US_EAST_1, CREDENTIALS, URI.create("http://127.0.0.1:1"))) {
            var overrides = client.serviceClientConfiguration().overrideConfiguration();
            assertTrue(overrides.apiCallTimeout().orElseThrow().compareTo(Duration.ofSeconds(5)) == 0);
        }
    }
}
