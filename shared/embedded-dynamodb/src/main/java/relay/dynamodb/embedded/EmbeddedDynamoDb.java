package relay.dynamodb.embedded;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An in-process, DynamoDB-compatible HTTP server (AWS JSON 1.0 protocol, DynamoDB and DynamoDB Streams APIs) for
 * tests and local runs. Point the AWS SDK's {@code DynamoDbClient} at {@link #endpoint()} with any credentials.
 *
 * <pre>{@code
 * try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start()) {
 *     DynamoDbClient client = DynamoDbClient.builder().endpointOverride(db.endpoint())...build();
 * }
 * }</pre>
 */
public final class EmbeddedDynamoDb implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedDynamoDb.class.getName());
    private static final long TTL_SWEEP_INTERVAL_MILLIS = 1000;

    private final Database database;
    private final HttpServer server;
    private final ExecutorService requestExecutor;
    private final ScheduledExecutorService ttlSweeper;

    private EmbeddedDynamoDb(Database database, HttpServer server, ExecutorService requestExecutor,
            ScheduledExecutorService ttlSweeper) {
        this.database = database;
        this.server = server;
        this.requestExecutor = requestExecutor;
        this.ttlSweeper = ttlSweeper;
    }

    /** The JDK's HTTP server switches Nagle off (TCP_NODELAY) only when this system property says so. */
    public static final String NO_DELAY_PROPERTY = "sun.net.httpserver.nodelay";

    /**
     * Makes the JDK's HTTP servers in this process send each write at once, unless the property is set
     * already. With Nagle on, a response written in pieces waits for the client's delayed ACK: about
     * 40 ms on Linux, on many Query answers. The server reads the property once, when the process
     * creates its first {@code com.sun.net.httpserver} server, so call this before that.
     */
    public static void sendSegmentsAtOnce() {
        if (System.getProperty(NO_DELAY_PROPERTY) == null) System.setProperty(NO_DELAY_PROPERTY, "true");
    }

    /** Starts an in-memory server on 127.0.0.1 at a free port. */
    public static EmbeddedDynamoDb start() {
        return start(null, 0);
    }

    /**
     * Starts a server whose tables and items live under {@code dataDir} (created if absent) and survive a restart.
     */
    public static EmbeddedDynamoDb start(Path dataDir) {
        return start(dataDir, 0);
    }

    /**
     * Starts a server on 127.0.0.1 at {@code port} (0 picks a free one); {@code dataDir} null keeps data in memory.
     */
    public static EmbeddedDynamoDb start(Path dataDir, int port) {
        sendSegmentsAtOnce();
        Database database = new Database(dataDir);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            database.close();
            throw new UncheckedIOException("Cannot bind the embedded DynamoDB to port " + port, e);
        }
        ExecutorService requestExecutor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(requestExecutor);
        server.createContext("/", new ApiHandler(database));
        server.start();

        ScheduledExecutorService ttlSweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "embedded-dynamodb-ttl");
            thread.setDaemon(true);
            return thread;
        });
        ttlSweeper.scheduleWithFixedDelay(() -> {
            try {
                database.sweepExpired(System.currentTimeMillis() / 1000);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "TTL sweep failed", e);
            }
        }, TTL_SWEEP_INTERVAL_MILLIS, TTL_SWEEP_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        return new EmbeddedDynamoDb(database, server, requestExecutor, ttlSweeper);
    }

    /** {@code http://127.0.0.1:PORT}, for the SDK's {@code endpointOverride}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops serving and closes the table files; in-memory data is discarded. */
    @Override
    public void close() {
        ttlSweeper.shutdownNow();
        server.stop(0);
        requestExecutor.shutdown();
        try {
            if (!requestExecutor.awaitTermination(5, TimeUnit.SECONDS)) {
                requestExecutor.shutdownNow();
            }
            ttlSweeper.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        database.close();
    }
}
