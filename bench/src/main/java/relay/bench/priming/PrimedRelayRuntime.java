package relay.bench.priming;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import relay.aws.AwsClients;
import relay.aws.DynamoDbRequestLogStore;
import relay.aws.SecretsManagerKeyStore;
import relay.core.api.ApiRequest;
import relay.core.api.ApiResponse;
import relay.core.api.RelayApi;
import relay.core.config.RelayConfig;
import relay.proxy.RelayWiring;
import relay.proxy.runtime.RelayRuntime;
import relay.proxy.runtime.RuntimeApi;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * An experiment, not Relay's runtime: Relay's loop, wired exactly as {@code RelayRuntime.main} wires it,
 * whose SnapStart priming also runs what the first real request runs and Relay's own priming does not
 * (it answers a mock model): a Secrets Manager {@code GetSecretValue} through the key store, the
 * router and the OpenAI adapter over the JDK HttpClient, and the request log's DynamoDB
 * {@code PutItem}, all against a stub on loopback with dummy keys, through clients of its own that are
 * closed before the snapshot. The real clients stay untouched (no connection, no key in the snapshot);
 * what is primed is what they share: classes, their initialisation and compiled code. The bench's
 * {@code lambda-restore --experiment} runs it beside Relay's loop to show what such priming would save.
 * Built into its own small jar (bench/target/relay-bench-*-priming.jar), put after the function's jar.
 */
public final class PrimedRelayRuntime {
    private static final String MASTER_KEY = "sk-priming-master-key";
    private static final String CHAT = "{\"model\":\"priming-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

    private PrimedRelayRuntime() {}

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        System.exit(RelayRuntime.start(env, RuntimeApi.at(env.get("AWS_LAMBDA_RUNTIME_API")), PrimedRelayRuntime::wire));
    }

    static RelayRuntime.Served wire(Map<String, String> env) {
        RelayWiring.LambdaFunction function = RelayWiring.lambdaFunction(env);
        return new RelayRuntime.Served(function.api()::handle, () -> {
            function.api().prime();
            primeClients(Region.of(env.getOrDefault("AWS_REGION", "us-east-1")));
        }, function.afterRestore());
    }

    /** One chat, whole and streamed, through a Relay of its own whose every dependency is the loopback stub. */
    static void primeClients(Region region) {
        HttpServer stub;
        try {
            stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the priming stub", e);
        }
        stub.createContext("/", PrimedRelayRuntime::answer);
        stub.start();
        URI endpoint = URI.create("http://127.0.0.1:" + stub.getAddress().getPort());
        var dummy = StaticCredentialsProvider.create(AwsBasicCredentials.create("priming", "priming"));
        try (SecretsManagerClient secrets = AwsClients.secretsManager(region, dummy, endpoint);
             DynamoDbClient dynamoDb = AwsClients.dynamoDb(region, dummy, endpoint)) {
            RelayConfig config = RelayConfig.parse("""
                    model_list:
                      - model_name: priming-gpt
                        litellm_params: {model: openai/gpt-4o, api_base: "%s/v1", api_key: os.environ/OPENAI_API_KEY}
                    general_settings:
                      master_key: os.environ/RELAY_MASTER_KEY
                    """.formatted(endpoint));
            RelayApi api = RelayWiring.api(new RelayWiring.Parts(config,
                    new SecretsManagerKeyStore(secrets, "priming", Duration.ofMinutes(5), Clock.systemUTC()),
                    new DynamoDbRequestLogStore(dynamoDb, "priming"), true, Duration.ofDays(1), Clock.systemUTC()));
            for (String body : new String[] {CHAT, CHAT.replace("}]}", "}],\"stream\":true}")}) {
                ApiResponse answer = api.handle(new ApiRequest("priming", "POST", "/v1/chat/completions",
                        Map.of("authorization", "Bearer " + MASTER_KEY, "content-type", "application/json"), Map.of(),
                        body.getBytes(StandardCharsets.UTF_8), Instant.now().plusSeconds(30)));
                if (answer.status() != 200) throw new IllegalStateException("priming chat answered " + answer.status() + ": " + answer.body());
            }
        } finally {
            stub.stop(0);
        }
    }

    /** Secrets Manager, DynamoDB and OpenAI as far as priming needs them. */
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
                body = "{}";
            } else if (request.contains("\"stream\":true")) {
                type = "text/event-stream";
                body = "data: {\"id\":\"p\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"role\":\"assistant\",\"content\":\"primed\"},\"finish_reason\":null}]}\n\n"
                        + "data: {\"id\":\"p\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
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
}
