package relay.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.core.config.ConfigException;
import relay.testing.FakeSecretsManager;

/** The Lambda's wiring from its environment: config file, keys from Secrets Manager, failures to SQS. */
class ForwarderWiringTest {
    static FakeSecretsManager secrets;

    @BeforeAll
    static void credentials() {
        System.setProperty("aws.accessKeyId", "test");
        System.setProperty("aws.secretAccessKey", "test");
        secrets = FakeSecretsManager.start();
    }

    @AfterAll
    static void stop() {
        secrets.close();
    }

    @Test
    void fromTheLambdaEnvironment_sinksComeFromTheConfig_keysFromTheSecret_failuresGoToTheQueue(@TempDir Path dir) throws IOException {
        try (StreamTestbed bed = new StreamTestbed()) {
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, """
                    model_list: []
                    litellm_settings:
                      success_callback: ["mixpanel"]
                      failure_callback: ["sentry", "mixpanel"]
                    """);
            secrets.put("relay", "{\"RELAY_MASTER_KEY\":\"m\",\"SENTRY_DSN\":\"" + bed.sentry.dsn() + "\","
                    + "\"MIXPANEL_PROJECT_TOKEN\":\"mp-token\",\"MIXPANEL_API_URL\":\"" + bed.mixpanel.baseUrl() + "\"}");
            Map<String, String> env = new HashMap<>();
            env.put("AWS_REGION", "us-east-1");
            env.put("RELAY_CONFIG_PATH", config.toString());
            env.put("RELAY_SECRET_ARN", secrets.arn("relay"));
            env.put("RELAY_SECRETSMANAGER_ENDPOINT", secrets.endpoint().toString());
            env.put("RELAY_SINK_FAILURE_QUEUE_URL", bed.sqsServer.queueUrl());
            env.put("RELAY_SQS_ENDPOINT", bed.sqsServer.baseUrl());
            env.put("RELAY_SINK_TIMEOUT_MS", "30000"); // read from the environment; long enough for any machine
            bed.sentry.failNext(10, 500);
            bed.store.write(StreamTestbed.success("req-1"));
            bed.store.write(StreamTestbed.failure("req-2"));

            var response = new LogForwarderHandler(ForwarderWiring.fromLambdaEnvironment(env))
                    .handleRequest(StreamTestbed.lambdaEvent(bed.readStream()), null);

            assertEquals(List.of(), response.getBatchItemFailures());
            assertEquals(2, bed.mixpanel.events().size());
            assertEquals(List.of("sentry"), bed.sqsServer.jsonMessages().stream().map(m -> m.get("sink").asText()).toList());
        }
    }

    @Test
    void aMissingQueueOrSecret_failsAtInit() {
        assertThrows(ConfigException.class, () -> ForwarderWiring.fromLambdaEnvironment(Map.of("RELAY_SECRET_ARN", "x")));
        assertThrows(ConfigException.class, () -> ForwarderWiring.fromLambdaEnvironment(Map.of("RELAY_SINK_FAILURE_QUEUE_URL", "x")));
    }
}
