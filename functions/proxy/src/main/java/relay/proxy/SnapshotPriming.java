package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import relay.aws.AwsClients;
import relay.aws.DynamoDbRequestLogStore;
import relay.aws.responses.DynamoDbResponseStore;
import relay.aws.SecretsManagerKeyStore;
import relay.aws.keys.DynamoDbAccessStore;
import relay.core.api.ApiRequest;
import relay.core.api.ApiResponse;
import relay.core.api.RelayApi;
import relay.core.config.RelayConfig;
import relay.providers.Providers;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * What the first request after a SnapStart restore would otherwise pay: loading and running, for the
 * first time, the AWS SDK's request pipeline (marshallers, endpoint rules, signer) for Secrets Manager
 * and DynamoDB, the router's policies, a provider adapter over the JDK HttpClient, and each endpoint's
 * translation. Before the snapshot, {@link #run} sends requests through a Relay of its own whose Secrets
 * Manager, DynamoDB and provider are one stub on loopback, with dummy keys and its own clients, all
 * closed when it returns. The function's real clients are never touched, so no connection and no key
 * is in the snapshot; what carries over is what they share: classes, their initialisation, compiled code.
 */
public final class SnapshotPriming {
    private static final String MASTER_KEY = "sk-priming-master-key";
    private static final String MODEL = "priming-gpt";
    private static final String CHAT = "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

    /** A request priming sends, and the status it must get: a virtual key unknown to the (empty) table is refused. */
    private record Call(String path, String authorization, String body, int expected) {}

    private static final List<Call> CALLS = List.of(
            new Call("/v1/chat/completions", MASTER_KEY, CHAT, 200),
            new Call("/v1/chat/completions", MASTER_KEY, CHAT.replace("}]}", "}],\"stream\":true}"), 200),
            new Call("/v1/messages", MASTER_KEY,
                    "{\"model\":\"" + MODEL + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}", 200),
            new Call("/v1/responses", MASTER_KEY, "{\"model\":\"" + MODEL + "\",\"input\":\"hello\"}", 200),
            new Call("/v1/chat/completions", "sk-priming-unknown-virtual-key", CHAT, 401));

    private SnapshotPriming() {}

    /** Runs every priming call once; throws when one could not run or got another status than it should. */
    public static void run(Region region) {
        run(region, 1);
    }

    /** Runs every priming call {@code rounds} times, through one set of clients (more rounds: more code compiled). */
    public static void run(Region region, int rounds) {
        HttpServer stub;
        try {
            stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the priming stub", e);
        }
        stub.createContext("/", SnapshotPriming::answer);
        stub.start();
        URI endpoint = URI.create("http://127.0.0.1:" + stub.getAddress().getPort());
        var dummy = StaticCredentialsProvider.create(AwsBasicCredentials.create("priming", "priming"));
        Clock clock = Clock.systemUTC();
        try (SecretsManagerClient secrets = AwsClients.secretsManager(region, dummy, endpoint);
             DynamoDbClient dynamoDb = AwsClients.dynamoDb(region, dummy, endpoint);
             HttpClient http = Providers.httpClient()) {
            RelayConfig config = RelayConfig.parse("""
                    model_list:
                      - model_name: %s
                        litellm_params: {model: openai/gpt-4o, api_base: "%s/v1", api_key: os.environ/OPENAI_API_KEY}
                    general_settings:
                      master_key: os.environ/RELAY_MASTER_KEY
                    """.formatted(MODEL, endpoint));
            RelayApi api = RelayWiring.api(new RelayWiring.Parts(config,
                    new SecretsManagerKeyStore(secrets, "priming", Duration.ofMinutes(5), clock),
                    new DynamoDbRequestLogStore(dynamoDb, "priming"), true, Duration.ofDays(1), clock, relay.core.provider.RequestSigner.NONE,
                    new DynamoDbAccessStore(dynamoDb, "priming"), RelayWiring.CacheTable.NONE,
                    new DynamoDbResponseStore(dynamoDb, "priming", clock)), new ReseedableRandom(), http);
            for (int round = 0; round < rounds; round++) for (Call call : CALLS) {
                ApiResponse answer = api.handle(new ApiRequest("priming", "POST", call.path(),
                        Map.of("authorization", "Bearer " + call.authorization(), "content-type", "application/json"), Map.of(),
                        call.body().getBytes(StandardCharsets.UTF_8), Instant.now().plusSeconds(30)));
                if (answer.status() != call.expected()) {
                    throw new IllegalStateException("priming " + call.path() + " answered " + answer.status() + ": " + answer.body());
                }
            }
        } finally {
            stub.stop(0);
        }
    }

    /** Secrets Manager, DynamoDB and OpenAI, as far as priming needs them. */
    private static void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String target = String.valueOf(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
            String type, body;
            if (target.endsWith(".GetSecretValue")) {
                type = "application/x-amz-json-1.1";
                body = "{\"ARN\":\"arn:aws:secretsmanager:us-east-1:000000000000:secret:priming\",\"Name\":\"priming\","
                        + "\"SecretString\":\"{\\\"RELAY_MASTER_KEY\\\":\\\"" + MASTER_KEY + "\\\",\\\"OPENAI_API_KEY\\\":\\\"sk-priming\\\"}\"}";
            } else if (target.startsWith("DynamoDB_")) {
                type = "application/x-amz-json-1.0";
                body = "{}"; // no item: an unknown virtual key; a write that succeeded
            } else if (request.contains("\"stream\":true")) {
                type = "text/event-stream";
                body = chunk("{\"role\":\"assistant\",\"content\":\"primed\"}", "null") + chunk("{}", "\"stop\"") + "data: [DONE]\n\n";
            } else {
                type = "application/json";
                body = "{\"id\":\"p\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
                        + "\"message\":{\"role\":\"assistant\",\"content\":\"primed\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static String chunk(String delta, String finishReason) {
        return "data: {\"id\":\"p\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
                + "\"delta\":" + delta + ",\"finish_reason\":" + finishReason + "}]}\n\n";
    }
}
