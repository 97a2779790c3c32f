package relay.local;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import relay.aws.DynamoDbRequestLogStore;
import relay.aws.RequestLogTable;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.log.RequestLog;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The local server as the end-to-end tests run it: on loopback, behind a master key, with the keys a test names. */
final class TestRelay {
    static final String MASTER_KEY = "sk-relay-e2e-master";

    private TestRelay() {}

    /**
     * Starts the local server with {@code configYaml} plus {@code general_settings.master_key}, and a key
     * store holding {@code keys} and the master key.
     */
    static LocalServer start(String configYaml, Map<String, String> keys) throws IOException {
        Map<String, String> all = new HashMap<>(keys);
        all.put("RELAY_MASTER_KEY", MASTER_KEY);
        RelayConfig config = RelayConfig.parse(configYaml + """

                general_settings:
                  master_key: os.environ/RELAY_MASTER_KEY
                """);
        return LocalServer.start(new LocalServer.Options(null, 0, null, "127.0.0.1"), config, new EnvironmentKeyStore(all));
    }

    /** The official OpenAI SDK against {@code server} with the master key, without retries of its own. */
    static OpenAIClient sdk(LocalServer server) {
        return sdk(server, MASTER_KEY);
    }

    static OpenAIClient sdk(LocalServer server, String key) {
        return OpenAIOkHttpClient.builder().baseUrl(server.url() + "/v1").apiKey(key).maxRetries(0).build();
    }

    /**
     * The request log record of {@code requestId}, read back from the server's embedded DynamoDB. It is
     * written once the client has its answer, so it may land a moment after the answer: waited for (30 s at most).
     */
    static RequestLog log(LocalServer server, String requestId) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (true) {
            var item = server.dynamoDbClient().getItem(b -> b.tableName(LocalServer.REQUEST_LOG_TABLE).consistentRead(true)
                    .key(Map.of(RequestLogTable.PARTITION_KEY, AttributeValue.fromS(requestId)))).item();
            if (!item.isEmpty()) return DynamoDbRequestLogStore.fromItem(item);
            if (System.nanoTime() > deadline) throw new AssertionError("no request log record for " + requestId);
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
