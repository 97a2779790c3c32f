package relay.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.aws.AwsClients;
import relay.aws.RequestLogTable;
import relay.core.Json;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import relay.testing.FakeLambdaRuntimeApi;
import relay.testing.FakeSecretsManager;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * AWS's own runtime interface client (the managed java21 runtime without Relay's wrapper, and
 * {@code sam local}) runs {@link ProxyHandler} against the same Runtime API simulator, in a JVM of its
 * own as on Lambda, and still answers a REST API event: buffered, one JSON document.
 */
class AwsRuntimeClientTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    static EmbeddedDynamoDb dynamoDb;
    static FakeSecretsManager secrets;

    @BeforeAll
    static void start() {
        dynamoDb = EmbeddedDynamoDb.start();
        secrets = FakeSecretsManager.start();
        secrets.put("relay/keys", "{\"RELAY_MASTER_KEY\":\"sk-relay-test-master-key\"}");
        try (DynamoDbClient client = AwsClients.dynamoDb(Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("t", "t")), dynamoDb.endpoint())) {
            client.createTable(RequestLogTable.createRequest("relay-request-log"));
        }
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        secrets.close();
    }

    @Test
    void awsClientRunningProxyHandler_answersARestApiEventWhole(@TempDir Path taskRoot) throws Exception {
        Files.writeString(taskRoot.resolve("config.yaml"), """
                model_list:
                  - model_name: mock-gpt
                    litellm_params: {model: mock/mock-gpt}
                general_settings:
                  master_key: os.environ/RELAY_MASTER_KEY
                """);
        try (FakeLambdaRuntimeApi lambda = FakeLambdaRuntimeApi.start()) {
            lambda.enqueue("aws-client-1", Files.readAllBytes(Events.DIRECTORY.resolve("chat-completions.json")));
            ProcessBuilder runtime = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                    "-cp", System.getProperty("java.class.path"),
                    "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", ProxyHandler.class.getName() + "::handleRequest")
                    .directory(taskRoot.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(taskRoot.resolve("runtime.log").toFile());
            Map<String, String> env = runtime.environment();
            env.put("AWS_LAMBDA_RUNTIME_API", lambda.address());
            env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
            env.put("AWS_REGION", "us-east-1");
            env.put("AWS_ACCESS_KEY_ID", "test");
            env.put("AWS_SECRET_ACCESS_KEY", "test");
            env.put("RELAY_SECRET_ARN", "relay/keys");
            env.put("RELAY_REQUEST_LOG_TABLE", "relay-request-log");
            env.put("RELAY_CONFIG_PATH", taskRoot.resolve("config.yaml").toString());
            env.put("RELAY_DYNAMODB_ENDPOINT", dynamoDb.endpoint().toString());
            env.put("RELAY_SECRETSMANAGER_ENDPOINT", secrets.endpoint().toString());
            Process process = runtime.start();
            try {
                var response = lambda.awaitResponse("aws-client-1", WAIT);

                assertFalse(response.chunked(), "AWS's client posts a fixed-length answer");
                assertNull(response.header("lambda-runtime-function-response-mode"));
                JsonNode answer = Json.MAPPER.readTree(response.body());
                assertEquals(200, answer.get("statusCode").asInt(), log(taskRoot));
                assertEquals("b190c0e1-36ba-5d5b-8595-0e4e9af9b789", answer.at("/headers/x-relay-request-id").asText());
                assertEquals("Mock answer to: Say hello in five words.",
                        Json.MAPPER.readTree(answer.get("body").asText()).at("/choices/0/message/content").asText());
            } finally {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly();
            }
        }
    }

    static String log(Path taskRoot) throws Exception {
        File log = taskRoot.resolve("runtime.log").toFile();
        return log.exists() ? Files.readString(log.toPath()) : "";
    }
}
