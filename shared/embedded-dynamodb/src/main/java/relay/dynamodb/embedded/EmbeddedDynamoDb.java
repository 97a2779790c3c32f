package relay.dynamodb.embedded;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An in-process, DynamoDB-compatible HTTP server (AWS JSON 1.0 protocol, DynamoDB and DynamoDB Streams APIs) for
 * tests and local runs. Point the AWS SDK's {@code DynamoDbClient} at {@link #endpoint()} with any credentials.
 *
 * <pre>{@code
 * try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start()) {
 *     DynamoDbClient client = DynamoDbClient.builder().endpointOverride(db.endpoint())...build();
 * }
 * }</pre>
 *
 * <p>Memory: every item is held in the heap. Tables with TTL on lose their expired items to a sweep every
 * {@link #DEFAULT_TTL_SWEEP_INTERVAL} (DynamoDB itself deletes within days of expiry); that is the only bound unless
 * {@link Builder#maxItemsPerTable} sets one.
 */
public final class EmbeddedDynamoDb implements AutoCloseable {
    /** How often expired items are deleted, unless {@link Builder#ttlSweepInterval} says otherwise. */
    public static final Duration DEFAULT_TTL_SWEEP_INTERVAL = Duration.ofMinutes(1);

    private final Database database;
    private final HttpServer server;
    private final ExecutorService requestExecutor;
    private final ScheduledExecutorService ttlSweeper;
    private final Clock clock;

    private EmbeddedDynamoDb(Database database, HttpServer server, ExecutorService requestExecutor,
            ScheduledExecutorService ttlSweeper, Clock clock) {
        this.database = database;
        this.server = server;
        this.requestExecutor = requestExecutor;
        this.ttlSweeper = ttlSweeper;
        this.clock = clock;
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
        return builder().start();
    }

    /**
     * Starts a server whose tables and items live under {@code dataDir} (created if absent) and survive a restart.
     */
    public static EmbeddedDynamoDb start(Path dataDir) {
        return builder().dataDir(dataDir).start();
    }

    /**
     * Starts a server on 127.0.0.1 at {@code port} (0 picks a free one); {@code dataDir} null keeps data in memory.
     */
    public static EmbeddedDynamoDb start(Path dataDir, int port) {
        return builder().dataDir(dataDir).port(port).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A server's settings; each has a default. */
    public static final class Builder {
        private Path dataDir;
        private int port;
        private long maxItemsPerTable;
        private Duration ttlSweepInterval = DEFAULT_TTL_SWEEP_INTERVAL;
        private Clock clock = Clock.systemUTC();
        private Consumer<String> warnings = System.err::println;
        private LogFile.Opener logFiles = LogFile.Opener.SYSTEM;

        private Builder() {
        }

        /** Where tables are kept across restarts (created if absent); null, the default, keeps them in memory. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** The port on 127.0.0.1; 0, the default, picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * At most this many items per table (0, the default: no cap). Over it, a write or the sweep deletes the items
         * that expire soonest by TTL, as TTL deletions; items without a TTL value are never deleted for it.
         */
        public Builder maxItemsPerTable(long maxItemsPerTable) {
            if (maxItemsPerTable < 0) {
                throw new IllegalArgumentException("maxItemsPerTable must be 0 (no cap) or more");
            }
            this.maxItemsPerTable = maxItemsPerTable;
            return this;
        }

        /** How often expired items are deleted; {@link #DEFAULT_TTL_SWEEP_INTERVAL} by default. */
        public Builder ttlSweepInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("ttlSweepInterval must be positive");
            }
            this.ttlSweepInterval = interval;
            return this;
        }

        /** The time TTL compares expiry times with; the system clock by default. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Where problems with the data directory are reported, one line each; standard error by default. */
        public Builder warnings(Consumer<String> warnings) {
            this.warnings = warnings;
            return this;
        }

        /** How table files are opened: the seam through which tests make writes fail like a full disk. */
        Builder logFiles(LogFile.Opener logFiles) {
            this.logFiles = logFiles;
            return this;
        }

        public EmbeddedDynamoDb start() {
            sendSegmentsAtOnce();
            Database database = new Database(dataDir, new TableLog.Storage(logFiles, warnings), maxItemsPerTable);
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
            Clock sweepClock = clock;
            Consumer<String> sweepWarnings = warnings;
            long intervalMillis = Math.max(1, ttlSweepInterval.toMillis());
            ttlSweeper.scheduleWithFixedDelay(() -> {
                try {
                    database.sweepExpired(sweepClock.instant().getEpochSecond());
                } catch (RuntimeException e) {
                    sweepWarnings.accept("Embedded DynamoDB: TTL sweep failed: " + e);
                }
            }, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
            return new EmbeddedDynamoDb(database, server, requestExecutor, ttlSweeper, clock);
        }
    }

    /** Runs one TTL sweep now, at the server's clock; returns how many items it deleted. */
    int sweepExpiredItems() {
        return database.sweepExpired(clock.instant().getEpochSecond());
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
