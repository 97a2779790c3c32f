package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on loopback that speaks the part of AWS Secrets Manager's API Relay uses:
 * {@code GetSecretValue}, in the AWS JSON 1.1 protocol ({@code POST /} with an
 * {@code X-Amz-Target: secretsmanager.GetSecretValue} header). Point an SDK client at
 * {@link #endpoint()} with any static credentials; signatures are not checked.
 */
public final class FakeSecretsManager implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/x-amz-json-1.1";
    private static final String TARGET_PREFIX = "secretsmanager.";
    private static final String ARN_PREFIX = "arn:aws:secretsmanager:us-east-1:000000000000:secret:";

    private record Secret(String name, String arn, String versionId, String secretString, Instant created) {}

    private final HttpServer server;
    private final Map<String, Secret> secrets = new ConcurrentHashMap<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger failuresLeft = new AtomicInteger();

    private FakeSecretsManager(HttpServer server) {
        this.server = server;
    }

    public static FakeSecretsManager start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
            FakeSecretsManager fake = new FakeSecretsManager(server);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", fake::handle);
            server.start();
            return fake;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fake Secrets Manager server", e);
        }
    }

    /** Where an SDK client's {@code endpointOverride} should point. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * Creates the secret or gives it a new current version. {@code secretString} is stored as given
     * (usually a JSON object, but any text is allowed, so tests can store malformed secrets).
     */
    public void put(String secretId, String secretString) {
        Secret previous = secrets.get(secretId);
        String arn = previous != null ? previous.arn() : ARN_PREFIX + secretId + "-" + randomSuffix();
        secrets.put(secretId, new Secret(secretId, arn, UUID.randomUUID().toString(), secretString, Instant.now()));
    }

    /** The ARN the secret named {@code secretId} answers to (a {@code GetSecretValue} by ARN works too). */
    public String arn(String secretId) {
        Secret secret = secrets.get(secretId);
        if (secret == null) throw new IllegalArgumentException("no secret " + secretId);
        return secret.arn();
    }

    /** The next {@code n} requests are answered 500 {@code InternalServiceError}. The SDK retries those. */
    public void failNext(int n) {
        failuresLeft.set(n);
    }

    /** How many requests arrived, failed ones and SDK retries included. */
    public int calls() {
        return calls.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            calls.incrementAndGet();
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                error(exchange, 500, "InternalServiceError", "An error occurred on the server side.");
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod()) || !"/".equals(exchange.getRequestURI().getPath())) {
                error(exchange, 404, "UnknownOperationException", "Only POST / is served.");
                return;
            }
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if (!(TARGET_PREFIX + "GetSecretValue").equals(target)) {
                error(exchange, 400, "UnknownOperationException",
                        "The operation " + target + " is not supported by this fake.");
                return;
            }
            JsonNode request;
            try {
                request = JSON.readTree(body);
            } catch (IOException e) {
                error(exchange, 400, "SerializationException", "The request body is not JSON.");
                return;
            }
            JsonNode secretId = request == null ? null : request.get("SecretId");
            if (secretId == null || !secretId.isTextual() || secretId.asText().isEmpty()) {
                error(exchange, 400, "InvalidParameterException", "You must specify a SecretId.");
                return;
            }
            Secret secret = find(secretId.asText());
            if (secret == null) {
                error(exchange, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
                return;
            }
            ObjectNode response = JSON.createObjectNode();
            response.put("ARN", secret.arn());
            response.put("Name", secret.name());
            response.put("VersionId", secret.versionId());
            response.put("SecretString", secret.secretString());
            response.putArray("VersionStages").add("AWSCURRENT");
            response.put("CreatedDate", BigDecimal.valueOf(secret.created().toEpochMilli(), 3));
            send(exchange, 200, response.toString());
        }
    }

    private Secret find(String secretId) {
        Secret byName = secrets.get(secretId);
        if (byName != null) return byName;
        return secrets.values().stream().filter(s -> s.arn().equals(secretId)).findFirst().orElse(null);
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("__type", type);
        body.put("message", message);
        send(exchange, status, body.toString());
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String randomSuffix() {
        return UUID.randomUUID().toString().substring(0, 6);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
