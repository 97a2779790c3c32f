package relay.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import relay.aws.AwsClients;
import relay.aws.AwsRequestSigner;
import relay.aws.DynamoDbRequestLogStore;
import relay.aws.QueuedRequestLogStore;
import relay.aws.RequestLogTable;
import relay.aws.cache.ResponseCacheTable;
import relay.aws.responses.DynamoDbResponseStore;
import relay.aws.responses.ResponseStoreTable;
import relay.core.api.Authenticator;
import relay.core.api.RelayApi;
import relay.core.config.ConfigException;
import relay.core.config.RelayConfig;
import relay.core.keys.ConfigVariables;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.keys.KeyStore;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import relay.proxy.RelayWiring;
import relay.proxy.SnapshotPriming;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Relay on a laptop: the same {@link RelayApi} the Lambda runs, served by Jetty with a virtual thread
 * per request, streams going out event by event. Request logs, the response cache, virtual keys and
 * stored responses ({@code /v1/responses}) go to an embedded DynamoDB, in memory or under
 * {@code --data-dir}; keys come from environment variables.
 */
public final class LocalServer implements AutoCloseable {
    public static final String REQUEST_LOG_TABLE = "relay-request-log";

    /**
     * How long a pending read or write may make no progress: a request that stops arriving (request line,
     * headers or body) or an answer the client stops reading is dropped then. SDKs send a request at once and
     * read as tokens come; waiting on a provider is not idleness and has RelayApi's own time limit.
     */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** The request line and headers, in bytes: SDK requests need under 2 KB; Node's and uvicorn's limit too. */
    static final int MAX_HEADER_BYTES = 16 * 1024;
    /** Header fields per request (Tomcat's default): an SDK sends about 15; the byte limit alone allows thousands of tiny ones. */
    static final int MAX_HEADER_COUNT = 100;
    /** A body past RelayApi's limit is read and dropped up to this, so its sender reads the 413 rather than a reset. */
    static final long MAX_DRAINED_BYTES = RelayApi.MAX_BODY_BYTES;
    /** Open connections: past it new ones wait in the accept queue instead of the process running out of files. */
    static final int MAX_CONNECTIONS = 10_000;
    /**
     * The embedded DynamoDB keeps its tables in memory: past this many items a table drops those that
     * expire soonest (a request record is about 28 KB in memory, so a table stays under about 1.5 GB).
     */
    static final long MAX_ITEMS_PER_TABLE = 50_000;

    /** How long closing waits for requests under way to finish writing their log records. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final Server server;
    private final ServerConnector connector;
    private final ExecutorService requestThreads;
    private final String host;
    private final EmbeddedDynamoDb dynamoDb; // null when the server uses a DynamoDB of its options
    private final URI dynamoDbEndpoint;
    private final DynamoDbClient dynamoDbClient;
    private final QueuedRequestLogStore logs;

    private LocalServer(Server server, ServerConnector connector, ExecutorService requestThreads, String host,
                        EmbeddedDynamoDb dynamoDb, URI dynamoDbEndpoint, DynamoDbClient dynamoDbClient, QueuedRequestLogStore logs) {
        this.dynamoDbEndpoint = dynamoDbEndpoint;
        this.logs = logs;
        this.server = server;
        this.connector = connector;
        this.requestThreads = requestThreads;
        this.host = host;
        this.dynamoDb = dynamoDb;
        this.dynamoDbClient = dynamoDbClient;
    }

    /** @param idleTimeout see {@link #IDLE_TIMEOUT} (the default); tests shorten it */
    /** @param dynamoDbEndpoint a DynamoDB to use instead of the embedded one (shared by several servers); null: embedded */
    /**
     * @param primeRounds rounds of {@link SnapshotPriming}'s requests run before the server listens (each round is a
     *                    handful of requests against a loopback stub, never logged): its first requests then run on
     *                    compiled code. 0: none (the default for servers started in process, e.g. by tests)
     */
    /** Rounds of priming the command line's server runs unless told otherwise ({@code --prime-rounds}). */
    static final int PRIME_ROUNDS = 200;

    public record Options(Path configFile, int port, Path dataDir, String host, Duration idleTimeout, URI dynamoDbEndpoint,
                          int primeRounds) {
        public Options {
            idleTimeout = idleTimeout == null ? IDLE_TIMEOUT : idleTimeout;
        }

        public Options(Path configFile, int port, Path dataDir, String host, Duration idleTimeout, URI dynamoDbEndpoint) {
            this(configFile, port, dataDir, host, idleTimeout, dynamoDbEndpoint, 0);
        }

        public Options(Path configFile, int port, Path dataDir, String host, Duration idleTimeout) {
            this(configFile, port, dataDir, host, idleTimeout, null);
        }

        public Options(Path configFile, int port, Path dataDir, String host) {
            this(configFile, port, dataDir, host, IDLE_TIMEOUT, null);
        }
    }

    public static void main(String[] args) throws IOException {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("relay-local: " + e.getMessage());
            System.err.println("usage: java -jar relay-local.jar [--config FILE] [--port 4000] [--data-dir DIR] [--host ADDR] [--dynamodb-endpoint URL]"
                    + " [--prime-rounds " + PRIME_ROUNDS + "]");
            System.exit(2);
            return;
        }
        Path configFile = options.configFile();
        if (configFile == null && Files.isRegularFile(Path.of("config.yaml"))) configFile = Path.of("config.yaml");
        RelayConfig config;
        try {
            // checked whole before anything starts: a bad config ends the process at once, naming file, line and setting
            config = configFile == null ? RelayConfig.empty()
                    : RelayWiring.loadConfig(configFile, warning -> System.err.println("relay-local: warning: " + warning));
        } catch (ConfigException e) {
            System.err.println("relay-local: " + e.getMessage());
            System.exit(2);
            return;
        }
        // environment_variables answer os.environ/ references here too (the log sinks' keys, the master key)
        KeyStore keys = ConfigVariables.over(EnvironmentKeyStore.fromSystem(), config.variables());
        prime(options.primeRounds());
        LocalServer server;
        try {
            server = start(options, config, keys);
        } catch (ConfigException e) {
            // checked above; kept so that no config error ever ends in a stack trace
            System.err.println("relay-local: " + (configFile == null || e.located() ? "" : configFile + ": ") + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("Relay is listening on " + server.url() + "  (OpenAI base URL: " + server.url() + "/v1)");
        System.out.println("  config: " + (configFile == null ? "none (provider/model names only)" : configFile.toAbsolutePath()));
        System.out.println("  request log: " + (options.dynamoDbEndpoint() == null ? "embedded " : "") + "DynamoDB at "
                + server.dynamoDbEndpoint() + ", table " + REQUEST_LOG_TABLE
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
        URI dynamoDb = null;
        int port = 4000;
        int primeRounds = PRIME_ROUNDS;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help") || flag.equals("-h")) throw new IllegalArgumentException("help");
            if (i + 1 >= args.length) throw new IllegalArgumentException(flag + " needs a value");
            String value = args[++i];
            switch (flag) {
                case "--config" -> config = Path.of(value);
                case "--data-dir" -> dataDir = Path.of(value);
                case "--host" -> host = value;
                case "--dynamodb-endpoint" -> {
                    try {
                        dynamoDb = URI.create(value);
                        if (dynamoDb.getScheme() == null || dynamoDb.getHost() == null) throw new IllegalArgumentException();
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--dynamodb-endpoint must be a URL such as http://127.0.0.1:8000");
                    }
                }
                case "--port" -> {
                    try {
                        port = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--port must be a number");
                    }
                }
                case "--prime-rounds" -> {
                    try {
                        primeRounds = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        primeRounds = -1;
                    }
                    if (primeRounds < 0 || primeRounds > 10_000) throw new IllegalArgumentException("--prime-rounds must be a number from 0 to 10000");
                }
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        if (dynamoDb != null && dataDir != null) throw new IllegalArgumentException("--data-dir and --dynamodb-endpoint exclude each other");
        return new Options(config, port, dataDir, host, IDLE_TIMEOUT, dynamoDb, primeRounds);
    }

    /**
     * Warms the request path before the server listens: measured by {@code ./dev bench local}, 200 rounds (1,000
     * requests, about 2.5 s at start) bring the first thousand requests within 2x of the steady state with the AOT
     * cache of {@code ./dev serve} (1.7x and 1.9x in two runs; 3.2x to 3.7x without priming). A failure only costs that
     * warmth.
     */
    static void prime(int rounds) {
        if (rounds == 0) return;
        try {
            SnapshotPriming.run(software.amazon.awssdk.regions.Region.US_EAST_1, rounds);
        } catch (RuntimeException e) {
            System.err.println("relay-local: warning: priming the request path failed (" + e.getMessage() + "); the first requests will be slower");
        }
    }

    /** Starts everything; {@code port} 0 picks a free port. */
    public static LocalServer start(Options options, RelayConfig config, KeyStore keys) throws IOException {
        EmbeddedDynamoDb dynamoDb = null;
        if (options.dynamoDbEndpoint() == null) {
            var embedded = EmbeddedDynamoDb.builder().maxItemsPerTable(MAX_ITEMS_PER_TABLE);
            if (options.dataDir() != null) embedded.dataDir(options.dataDir());
            dynamoDb = embedded.start();
        }
        URI endpoint = dynamoDb == null ? options.dynamoDbEndpoint() : dynamoDb.endpoint();
        DynamoDbClient client = AwsClients.dynamoDb(Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")), endpoint);
        // Requests never wait for the log: it is written from a bounded queue, in batches, after the answers.
        QueuedRequestLogStore logs = new QueuedRequestLogStore(new DynamoDbRequestLogStore(client, REQUEST_LOG_TABLE));
        RelayApi api;
        String host;
        try {
            createTables(client);
            var auth = new Authenticator(keys, config.generalSettings().masterKey(), false);
            // An open server (no master key) is reachable from this machine only.
            host = options.host() != null ? options.host() : auth.masterKey().isPresent() ? "0.0.0.0" : "127.0.0.1";
            api = RelayWiring.api(new RelayWiring.Parts(config, keys, logs, false,
                    RelayWiring.logRetention(System.getenv()), Clock.systemUTC(), AwsRequestSigner.withDefaultCredentials(),
                    new relay.aws.keys.DynamoDbAccessStore(client, relay.aws.keys.AccessTable.LOCAL_NAME),
                    RelayWiring.CacheTable.dynamoDb(client, ResponseCacheTable.LOCAL_NAME),
                    new DynamoDbResponseStore(client, ResponseStoreTable.LOCAL_NAME, Clock.systemUTC())));
        } catch (RuntimeException e) {
            // a config the wiring refuses: stop what started, so the process can exit
            logs.close();
            client.close();
            if (dynamoDb != null) dynamoDb.close();
            throw e;
        }
        ExecutorService requestThreads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("relay-request-", 0).factory());
        Server server = jetty(api, host, options, requestThreads);
        try {
            server.start();
        } catch (Exception e) {
            requestThreads.shutdownNow();
            logs.close();
            client.close();
            if (dynamoDb != null) dynamoDb.close();
            throw e instanceof IOException io ? io : new IOException("cannot start the HTTP server: " + e.getMessage(), e);
        }
        return new LocalServer(server, (ServerConnector) server.getConnectors()[0], requestThreads, host, dynamoDb, endpoint, client, logs);
    }

    /** Jetty on {@code host:port}: selectors on a few platform threads, each request's handling on a virtual thread. */
    private static Server jetty(RelayApi api, String host, Options options, ExecutorService requestThreads) {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("relay-http");
        threads.setVirtualThreadsExecutor(requestThreads);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        http.setSendServerVersion(false);
        // a model id holds a slash ("openai/gpt-4o"), which SDKs send encoded: GET /v1/models/openai%2Fgpt-4o
        http.setUriCompliance(org.eclipse.jetty.http.UriCompliance.DEFAULT.with("relay",
                org.eclipse.jetty.http.UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(options.port());
        connector.setIdleTimeout(options.idleTimeout().toMillis());
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, connector));
        server.setErrorHandler(new JsonErrorHandler(options.idleTimeout()));
        server.setHandler(new RelayHandler(api));
        server.setStopAtShutdown(false); // main's shutdown hook closes it, with the embedded DynamoDB
        return server;
    }

    static void createTables(DynamoDbClient client) {
        relay.aws.Tables.createIfMissing(client, RequestLogTable.createRequest(REQUEST_LOG_TABLE), RequestLogTable.TTL_ATTRIBUTE);
        ResponseCacheTable.createIfMissing(client, ResponseCacheTable.LOCAL_NAME);
        relay.aws.keys.AccessTable.createIfMissing(client, relay.aws.keys.AccessTable.LOCAL_NAME);
        ResponseStoreTable.createIfMissing(client, ResponseStoreTable.LOCAL_NAME);
    }

    public String url() {
        String name = anyLocal(host) ? "localhost" : host.contains(":") ? "[" + host + "]" : host;
        return "http://" + name + ":" + connector.getLocalPort();
    }

    private static boolean anyLocal(String host) {
        try {
            return InetAddress.getByName(host).isAnyLocalAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /** Connections open now, for tests: a client that has gone must not keep one. */
    int openConnections() {
        return connector.getConnectedEndPoints().size();
    }

    public URI dynamoDbEndpoint() {
        return dynamoDbEndpoint;
    }

    public DynamoDbClient dynamoDbClient() {
        return dynamoDbClient;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping anyway: nothing to do about it
        }
        // requests under way finish their bookkeeping (the log write) before the table goes, for a while
        requestThreads.shutdown();
        try {
            if (!requestThreads.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) requestThreads.shutdownNow();
        } catch (InterruptedException e) {
            requestThreads.shutdownNow();
            Thread.currentThread().interrupt();
        }
        logs.close(); // drains the queued records into the table before it goes
        dynamoDbClient.close();
        if (dynamoDb != null) dynamoDb.close();
    }

}
