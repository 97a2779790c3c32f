package relay.local;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import relay.aws.AwsClients;
import relay.aws.AwsRequestSigner;
import relay.aws.DynamoDbRequestLogStore;
import relay.aws.RequestLogTable;
import relay.aws.cache.ResponseCacheTable;
import relay.core.api.Authenticator;
import relay.core.api.RelayApi;
import relay.core.config.ConfigException;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.keys.KeyStore;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import relay.proxy.ProxyHandler;
import relay.proxy.RelayWiring;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;

/**
 * Relay on a laptop: the Lambda handler behind a plain HTTP server. Each HTTP request becomes the
 * same API Gateway event Lambda would receive, so what works here works deployed. Request logs go to
 * an embedded DynamoDB, in memory or under {@code --data-dir}; keys come from environment variables.
 */
public final class LocalServer implements AutoCloseable {
    public static final String REQUEST_LOG_TABLE = "relay-request-log";

    private final HttpServer server;
    private final EmbeddedDynamoDb dynamoDb;
    private final DynamoDbClient dynamoDbClient;

    private LocalServer(HttpServer server, EmbeddedDynamoDb dynamoDb, DynamoDbClient dynamoDbClient) {
        this.server = server;
        this.dynamoDb = dynamoDb;
        this.dynamoDbClient = dynamoDbClient;
    }

    public record Options(Path configFile, int port, Path dataDir, String host) {}

    public static void main(String[] args) throws IOException {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("relay-local: " + e.getMessage());
            System.err.println("usage: java -jar relay-local.jar [--config FILE] [--port 4000] [--data-dir DIR] [--host ADDR]");
            System.exit(2);
            return;
        }
        Path configFile = options.configFile();
        if (configFile == null && Files.isRegularFile(Path.of("config.yaml"))) configFile = Path.of("config.yaml");
        RelayConfig config;
        try {
            config = configFile == null ? RelayConfig.empty() : RelayConfig.load(configFile);
        } catch (ConfigException e) {
            System.err.println("relay-local: " + e.getMessage());
            System.exit(2);
            return;
        }
        KeyStore keys = EnvironmentKeyStore.fromSystem();
        LocalServer server = start(options, config, keys);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("Relay is listening on " + server.url() + "  (OpenAI base URL: " + server.url() + "/v1)");
        System.out.println("  config: " + (configFile == null ? "none (provider/model names only)" : configFile.toAbsolutePath()));
        System.out.println("  request log: embedded DynamoDB at " + server.dynamoDbEndpoint() + ", table " + REQUEST_LOG_TABLE
                + (options.dataDir() == null ? " (in memory)" : " (kept in " + options.dataDir().toAbsolutePath() + ")"));
        var cache = config.litellmSettings().cacheSettings();
        System.out.println("  response cache: " + (!cache.enabled() ? "off (litellm_settings.cache)"
                : (cache.semantic() ? "exact and semantic" : "exact") + ", table " + ResponseCacheTable.LOCAL_NAME));
        // the same forwarder the log-forwarder function runs, on the embedded table's stream
        Runtime.getRuntime().addShutdownHook(new Thread(
                LocalLogForwarder.start(server.dynamoDbEndpoint(), REQUEST_LOG_TABLE, configFile, keys)::close));
        if (new Authenticator(keys, config.generalSettings().masterKey(), false).masterKey().isEmpty()) {
            System.out.println("  no master key (RELAY_MASTER_KEY): open to this machine only");
        }
    }

    static Options parse(String[] args) {
        Path config = null;
        Path dataDir = null;
        String host = null;
        int port = 4000;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help") || flag.equals("-h")) throw new IllegalArgumentException("help");
            if (i + 1 >= args.length) throw new IllegalArgumentException(flag + " needs a value");
            String value = args[++i];
            switch (flag) {
                case "--config" -> config = Path.of(value);
                case "--data-dir" -> dataDir = Path.of(value);
                case "--host" -> host = value;
                case "--port" -> {
                    try {
                        port = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--port must be a number");
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        return new Options(config, port, dataDir, host);
    }

    /** Starts everything; {@code port} 0 picks a free port. */
    public static LocalServer start(Options options, RelayConfig config, KeyStore keys) throws IOException {
        EmbeddedDynamoDb dynamoDb = options.dataDir() == null ? EmbeddedDynamoDb.start() : EmbeddedDynamoDb.start(options.dataDir());
        DynamoDbClient client = AwsClients.dynamoDb(Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")), dynamoDb.endpoint());
        createTables(client);
        var auth = new Authenticator(keys, config.generalSettings().masterKey(), false);
        // An open server (no master key) is reachable from this machine only.
        String host = options.host() != null ? options.host() : auth.masterKey().isPresent() ? "0.0.0.0" : "127.0.0.1";
        RelayApi api = RelayWiring.api(new RelayWiring.Parts(config, keys,
                new DynamoDbRequestLogStore(client, REQUEST_LOG_TABLE), false,
                RelayWiring.logRetention(System.getenv()), Clock.systemUTC(), AwsRequestSigner.withDefaultCredentials(),
                new relay.aws.keys.DynamoDbAccessStore(client, relay.aws.keys.AccessTable.LOCAL_NAME),
                RelayWiring.CacheTable.dynamoDb(client, ResponseCacheTable.LOCAL_NAME)));
        ProxyHandler handler = new ProxyHandler(api);
        HttpServer server = HttpServer.create(new InetSocketAddress(host, options.port()), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> serve(handler, exchange));
        server.start();
        return new LocalServer(server, dynamoDb, client);
    }

    static void createTables(DynamoDbClient client) {
        try {
            client.createTable(RequestLogTable.createRequest(REQUEST_LOG_TABLE));
            client.updateTimeToLive(RequestLogTable.timeToLiveRequest(REQUEST_LOG_TABLE));
        } catch (ResourceInUseException alreadyThere) {
            // a --data-dir from an earlier run
        }
        ResponseCacheTable.createIfMissing(client, ResponseCacheTable.LOCAL_NAME);
        relay.aws.keys.AccessTable.createIfMissing(client, relay.aws.keys.AccessTable.LOCAL_NAME);
    }

    private static void serve(ProxyHandler handler, HttpExchange exchange) throws IOException {
        try (exchange) {
            APIGatewayV2HTTPResponse response = handler.handleRequest(toEvent(exchange), null);
            byte[] body = response.getBody() == null ? new byte[0] : response.getBody().getBytes(StandardCharsets.UTF_8);
            if (response.getHeaders() != null) response.getHeaders().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            exchange.sendResponseHeaders(response.getStatusCode(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (IOException e) {
            // the client went away; nothing to answer
        }
    }

    /** The API Gateway HTTP API (payload 2.0) event for this exchange; the body always base64, as for binary media. */
    static APIGatewayV2HTTPEvent toEvent(HttpExchange exchange) throws IOException {
        URI uri = exchange.getRequestURI();
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        byte[] body = readAtMost(exchange.getRequestBody(), RelayApi.MAX_BODY_BYTES + 1);
        Instant now = Instant.now();
        String requestId = UUID.randomUUID().toString();
        String method = exchange.getRequestMethod();
        var http = APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                .withMethod(method)
                .withPath(uri.getRawPath())
                .withProtocol(exchange.getProtocol())
                .withSourceIp(exchange.getRemoteAddress().getAddress().getHostAddress())
                .withUserAgent(headers.get("user-agent"))
                .build();
        var context = APIGatewayV2HTTPEvent.RequestContext.builder()
                .withAccountId("local")
                .withApiId("local")
                .withDomainName(headers.getOrDefault("host", "localhost"))
                .withRequestId(requestId)
                .withRouteKey("$default")
                .withStage("$default")
                .withTime(DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC).format(now))
                .withTimeEpoch(now.toEpochMilli())
                .withHttp(http)
                .build();
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey("$default")
                .withRawPath(uri.getRawPath())
                .withRawQueryString(uri.getRawQuery() == null ? "" : uri.getRawQuery())
                .withHeaders(headers)
                .withRequestContext(context)
                .withBody(body.length == 0 ? null : Base64.getEncoder().encodeToString(body))
                .withIsBase64Encoded(body.length > 0)
                .build();
    }

    /** Reads up to {@code limit} bytes; a larger body is cut there and the handler answers 413. */
    private static byte[] readAtMost(InputStream in, int limit) throws IOException {
        byte[] body = in.readNBytes(limit);
        if (body.length == limit) in.skip(Long.MAX_VALUE); // drain, so the 413 reaches the client
        return body;
    }

    public String url() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().isAnyLocalAddress() ? "localhost" : address.getHostString();
        return "http://" + host + ":" + address.getPort();
    }

    public URI dynamoDbEndpoint() {
        return dynamoDb.endpoint();
    }

    public DynamoDbClient dynamoDbClient() {
        return dynamoDbClient;
    }

    @Override
    public void close() {
        server.stop(0);
        dynamoDbClient.close();
        dynamoDb.close();
    }

}
