package relay.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.aws.AwsClients;
import relay.aws.DynamoDbRequestLogStore;
import relay.aws.RequestLogTable;
import relay.core.config.ConfigException;
import relay.core.log.RequestLog;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import relay.testing.FakeSecretsManager;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The function as Lambda builds it, from its environment alone: keys and master key from a Secrets
 * Manager secret, the request log in DynamoDB (both real HTTP servers on loopback).
 */
class LambdaWiringTest {
    static final String TABLE = "relay-request-log";
    static final String SECRET = "relay/keys";

    static EmbeddedDynamoDb dynamoDb;
    static FakeSecretsManager secrets;
    static DynamoDbClient reader;

    @BeforeAll
    static void start() {
        // the SDK's default credential chain reads these; Lambda sets its own
        System.setProperty("aws.accessKeyId", "test");
        System.setProperty("aws.secretAccessKey", "test");
        dynamoDb = EmbeddedDynamoDb.start();
        secrets = FakeSecretsManager.start();
        secrets.put(SECRET, "{\"RELAY_MASTER_KEY\":\"sk-relay-test-master-key\",\"OPENAI_API_KEY\":\"sk-unused-123456\"}");
        reader = AwsClients.dynamoDb(Region.US_EAST_1, StaticCredentialsProvider.create(AwsBasicCredentials.create("t", "t")),
                dynamoDb.endpoint());
        reader.createTable(RequestLogTable.createRequest(TABLE));
    }

    @AfterAll
    static void stop() {
        reader.close();
        dynamoDb.close();
        secrets.close();
    }

    static Map<String, String> env(Path taskRoot) {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_REGION", "us-east-1");
        env.put("RELAY_SECRET_ARN", SECRET);
        env.put("RELAY_REQUEST_LOG_TABLE", TABLE);
        env.put("RELAY_DYNAMODB_ENDPOINT", dynamoDb.endpoint().toString());
        env.put("RELAY_SECRETSMANAGER_ENDPOINT", secrets.endpoint().toString());
        env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
        return env;
    }

    @Test
    void servesWithTheSecretsMasterKey_andLogsToDynamoDb(@TempDir Path taskRoot) throws Exception {
        Files.writeString(taskRoot.resolve("config.yaml"), """
                model_list:
                  - model_name: mock-gpt
                    litellm_params: {model: mock/mock-gpt}
                """);
        int callsBeforeInit = secrets.calls();
        ProxyHandler handler = new ProxyHandler(RelayWiring.fromLambdaEnvironment(env(taskRoot)));
        int callsAfterInit = secrets.calls() - callsBeforeInit;

        Events.Answer response = Events.invoke(handler, "chat-completions.json");

        assertEquals(0, callsAfterInit, "no secret is read in the init phase (SnapStart would capture it)");
        assertEquals(200, response.statusCode(), response.body());
        var item = reader.getItem(b -> b.tableName(TABLE).key(Map.of(RequestLogTable.PARTITION_KEY,
                AttributeValue.fromS("b190c0e1-36ba-5d5b-8595-0e4e9af9b789")))).item();
        RequestLog log = DynamoDbRequestLogStore.fromItem(item);
        assertEquals("mock/mock-gpt", log.deployment());
        assertEquals(200, log.status());
        assertEquals(401, Events.invoke(handler, "wrong-key.json").statusCode());
    }

    /**
     * SnapStart's priming runs the request path's clients (Secrets Manager, DynamoDB, a provider over HTTP) against
     * a stub of its own: the function's secret is not read and its table not written, so no key and no connection
     * is in the snapshot, and the function serves as before afterwards.
     */
    @Test
    void priming_runsEveryClientPath_withoutTouchingTheFunctionsOwnSecretOrTable(@TempDir Path taskRoot) throws Exception {
        Files.writeString(taskRoot.resolve("config.yaml"), """
                model_list:
                  - model_name: mock-gpt
                    litellm_params: {model: mock/mock-gpt}
                """);
        RelayWiring.LambdaFunction function = RelayWiring.lambdaFunction(env(taskRoot));
        int secretCalls = secrets.calls();
        int logItems = reader.scan(b -> b.tableName(TABLE)).count();

        SnapshotPriming.run(Region.US_EAST_1); // throws when a priming request does not get the answer it should
        function.prime().run();

        assertEquals(secretCalls, secrets.calls(), "priming never reads the function's secret");
        assertEquals(logItems, reader.scan(b -> b.tableName(TABLE)).count(), "priming never writes the function's log");
        assertEquals(200, Events.invoke(new ProxyHandler(function.api()), "chat-completions.json").statusCode());
    }

    @Test
    void theResponseCache_usesTheTableTheEnvironmentNames(@TempDir Path taskRoot) throws Exception {
        String cacheTable = "relay-response-cache-wiring";
        relay.aws.cache.ResponseCacheTable.createIfMissing(reader, cacheTable);
        Files.writeString(taskRoot.resolve("config.yaml"), """
                model_list:
                  - model_name: mock-gpt
                    litellm_params: {model: mock/mock-gpt}
                litellm_settings:
                  cache: true
                  cache_params: {type: dynamodb}
                """);
        Map<String, String> env = env(taskRoot);
        env.put("RELAY_RESPONSE_CACHE_TABLE", cacheTable);
        ProxyHandler handler = new ProxyHandler(RelayWiring.fromLambdaEnvironment(env));

        Events.Answer first = Events.invoke(handler, "chat-completions.json");
        Events.Answer second = Events.invoke(handler, "chat-completions.json");

        assertEquals(200, second.statusCode(), second.body());
        assertEquals("miss", first.headers().get("x-relay-cache"));
        assertEquals("hit-exact", second.headers().get("x-relay-cache"));
        assertEquals(1, reader.scan(b -> b.tableName(cacheTable)).count(), "one exact entry");
    }

    /**
     * Two instances of the function (two wirings from the same environment): a response created on one is
     * retrieved and continued with previous_response_id on the other, as Lambda spreads a client's calls.
     */
    @Test
    void storedResponses_areSharedByEveryInstance_throughTheTableTheEnvironmentNames(@TempDir Path taskRoot) throws Exception {
        String responsesTable = "relay-responses-wiring";
        relay.aws.responses.ResponseStoreTable.createIfMissing(reader, responsesTable);
        Files.writeString(taskRoot.resolve("config.yaml"), """
                model_list:
                  - model_name: mock-gpt
                    litellm_params: {model: mock/mock-gpt}
                """);
        Map<String, String> env = env(taskRoot);
        env.put("RELAY_RESPONSE_STORE_TABLE", responsesTable);
        ProxyHandler one = new ProxyHandler(RelayWiring.fromLambdaEnvironment(env));
        ProxyHandler other = new ProxyHandler(RelayWiring.fromLambdaEnvironment(env));

        Events.Answer created = Events.invoke(one, event("POST", "/v1/responses", "{\"model\":\"mock-gpt\",\"input\":\"Remember the word teal.\"}"));
        assertEquals(200, created.statusCode(), created.body());
        String id = relay.core.Json.MAPPER.readTree(created.body()).path("id").asText();
        Events.Answer retrieved = Events.invoke(other, event("GET", "/v1/responses/" + id, null));
        Events.Answer followUp = Events.invoke(other, event("POST", "/v1/responses",
                "{\"model\":\"mock-gpt\",\"input\":\"Which word?\",\"previous_response_id\":\"" + id + "\"}"));
        Events.Answer deleted = Events.invoke(one, event("DELETE", "/v1/responses/" + id, null));
        Events.Answer gone = Events.invoke(other, event("GET", "/v1/responses/" + id, null));

        assertEquals(200, retrieved.statusCode(), retrieved.body());
        assertEquals(id, relay.core.Json.MAPPER.readTree(retrieved.body()).path("id").asText());
        assertEquals(200, followUp.statusCode(), followUp.body());
        assertEquals(id, relay.core.Json.MAPPER.readTree(followUp.body()).path("previous_response_id").asText());
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertEquals(404, gone.statusCode(), gone.body());
        String followUpId = relay.core.Json.MAPPER.readTree(followUp.body()).path("id").asText();
        var item = reader.getItem(b -> b.tableName(responsesTable).consistentRead(true)
                .key(Map.of(relay.aws.responses.ResponseStoreTable.PARTITION_KEY, AttributeValue.fromS(followUpId)))).item();
        assertTrue(item.containsKey(relay.aws.responses.ResponseStoreTable.TTL_ATTRIBUTE), "the follow-up is stored too, with its expiry");
    }

    /** The chat-completions event with another method, path and body. */
    private static byte[] event(String method, String path, String body) throws java.io.IOException {
        var event = (com.fasterxml.jackson.databind.node.ObjectNode) relay.core.Json.MAPPER.readTree(Events.load("chat-completions.json"));
        event.put("httpMethod", method).put("path", path);
        ((com.fasterxml.jackson.databind.node.ObjectNode) event.get("requestContext")).put("httpMethod", method).put("path", "/relay" + path)
                .put("requestId", java.util.UUID.randomUUID().toString());
        ((com.fasterxml.jackson.databind.node.ObjectNode) event.get("pathParameters")).put("proxy", path.substring(1));
        ((com.fasterxml.jackson.databind.node.ObjectNode) event.get("headers")).remove("content-length");
        ((com.fasterxml.jackson.databind.node.ObjectNode) event.get("multiValueHeaders")).remove("content-length");
        if (body == null) event.putNull("body");
        else event.put("body", body);
        return relay.core.Json.writeBytes(event);
    }

    @Test
    void aSecretWithoutMasterKey_meansRefusal(@TempDir Path taskRoot) {
        secrets.put("relay/empty", "{\"OPENAI_API_KEY\":\"sk-x-123456\"}");
        Map<String, String> env = env(taskRoot);
        env.put("RELAY_SECRET_ARN", "relay/empty");
        ProxyHandler handler = new ProxyHandler(RelayWiring.fromLambdaEnvironment(env));

        Events.Answer response = Events.invoke(handler, "chat-completions.json");

        assertEquals(503, response.statusCode());
        assertFalse(response.body().contains("sk-x-123456"));
    }

    @Test
    void unreachableSecretsManager_is503_notACrash(@TempDir Path taskRoot) {
        Map<String, String> env = env(taskRoot);
        env.put("RELAY_SECRETSMANAGER_ENDPOINT", "http://127.0.0.1:9");
        ProxyHandler handler = new ProxyHandler(RelayWiring.fromLambdaEnvironment(env));

        Events.Answer response = Events.invoke(handler, "chat-completions.json");

        assertEquals(503, response.statusCode());
        assertTrue(response.body().contains("Secrets Manager"), response.body());
    }

    @Test
    void missingEnvironment_failsInitWithTheVariablesName(@TempDir Path taskRoot) {
        Map<String, String> env = env(taskRoot);
        env.remove("RELAY_REQUEST_LOG_TABLE");

        ConfigException e = assertThrows(ConfigException.class, () -> RelayWiring.fromLambdaEnvironment(env));
        assertTrue(e.getMessage().contains("RELAY_REQUEST_LOG_TABLE"));
    }
}
