package relay.local;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import relay.core.keys.KeyStore;
import relay.core.log.Diagnostics;
import relay.forwarder.FailureQueue;
import relay.forwarder.ForwarderWiring;
import relay.forwarder.LogForwarder;
import relay.sinks.Dispatcher;
import relay.sinks.SinkSettings;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import relay.aws.AwsClients;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The log forwarder on a laptop: the same {@link LogForwarder} the Lambda runs, fed by polling the
 * embedded DynamoDB's stream of the request-log table (DynamoDB Streams API: ListStreams,
 * DescribeStream, GetShardIterator, GetRecords) every {@link #POLL_INTERVAL}, on one virtual thread,
 * from the newest record on (as the template's {@code StartingPosition: LATEST}). Keys come from the
 * local key store (environment variables); deliveries that fail for good are reported on stderr
 * (the record itself stays in the embedded table). With no callback configured nothing runs.
 */
public final class LocalLogForwarder implements AutoCloseable {
    public static final Duration POLL_INTERVAL = Duration.ofMillis(500);
    private static final int PAGE = 100;

    private final LogForwarder forwarder;
    private final DynamoDbStreamsClient streams;
    private final String table;
    private final Duration pollInterval;
    private final Thread thread;
    private final AtomicLong read = new AtomicLong();
    private volatile boolean running = true;
    private String lastProblem;

    private LocalLogForwarder(LogForwarder forwarder, DynamoDbStreamsClient streams, String table, Duration pollInterval) {
        this.forwarder = forwarder;
        this.streams = streams;
        this.table = table;
        this.pollInterval = pollInterval;
        this.thread = streams == null ? null : Thread.ofVirtual().name("relay-log-forwarder").unstarted(this::run);
    }

    /**
     * The local server's forwarder: sinks from {@code configFile}'s {@code litellm_settings} callbacks
     * (none when it is null), keys from {@code keys}.
     */
    public static LocalLogForwarder start(URI dynamoDbEndpoint, String table, Path configFile, KeyStore keys) {
        SinkSettings settings = configFile == null ? SinkSettings.NONE : SinkSettings.from(configFile);
        LogForwarder forwarder = ForwarderWiring.forwarder(settings, keys, FailureQueue.CONSOLE,
                Dispatcher.Options.DEFAULT, Clock.systemUTC());
        LocalLogForwarder started = start(dynamoDbEndpoint, table, forwarder, POLL_INTERVAL);
        if (forwarder.active()) {
            System.out.println("  log sinks: success " + settings.successCallbacks() + ", failure " + settings.failureCallbacks()
                    + (settings.turnOffMessageLogging() ? " (no message text)" : ""));
        }
        return started;
    }

    /** Starts polling for {@code forwarder}; with no sink configured it starts nothing. */
    public static LocalLogForwarder start(URI dynamoDbEndpoint, String table, LogForwarder forwarder, Duration pollInterval) {
        if (!forwarder.active()) return new LocalLogForwarder(forwarder, null, table, pollInterval);
        DynamoDbStreamsClient streams = DynamoDbStreamsClient.builder()
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(AwsClients.httpClient())
                .endpointOverride(dynamoDbEndpoint)
                .build();
        LocalLogForwarder local = new LocalLogForwarder(forwarder, streams, table, pollInterval);
        local.positionAtLatest();
        local.thread.start();
        return local;
    }

    /** Whether it polls (a sink is configured). */
    public boolean running() {
        return thread != null && running;
    }

    /** How many new stream records it has handed to the forwarder. */
    public long recordsRead() {
        return read.get();
    }

    /** Shard id -> the iterator to read next. */
    private final Map<String, String> iterators = new LinkedHashMap<>();
    private String streamArn;

    /** Starts at the stream's end, before the first poll, so everything logged after start() is read. */
    private void positionAtLatest() {
        try {
            refreshShards(ShardIteratorType.LATEST);
        } catch (RuntimeException e) {
            problem("cannot read the stream of " + table + ": " + e.getClass().getSimpleName());
        }
    }

    private void run() {
        while (running) {
            try {
                if (streamArn == null) refreshShards(ShardIteratorType.LATEST);
                boolean more = poll();
                lastProblem = null;
                if (!more) sleep(pollInterval);
            } catch (RuntimeException e) {
                if (!running) return;
                problem("reading the stream of " + table + " failed: " + e.getClass().getSimpleName());
                iterators.clear();
                streamArn = null;
                sleep(pollInterval.multipliedBy(4));
            }
        }
    }

    /** One round over the shards; true when a shard had a full page (read again at once). */
    private boolean poll() {
        boolean more = false;
        boolean closedShard = false;
        for (Map.Entry<String, String> entry : new ArrayList<>(iterators.entrySet())) {
            if (!running) return false;
            GetRecordsResponse page = streams.getRecords(b -> b.shardIterator(entry.getValue()).limit(PAGE));
            List<Record> records = page.records();
            String next = page.nextShardIterator();
            if (!records.isEmpty()) {
                read.addAndGet(records.size());
                List<String> failed = forwarder.forward(records.stream()
                        .map(r -> new LogForwarder.StreamItem(r.dynamodb().sequenceNumber(), r.eventNameAsString(),
                                r.dynamodb().hasNewImage() ? r.dynamodb().newImage() : null))
                        .toList());
                if (!failed.isEmpty()) {
                    // read again from the first record whose failure could not be put anywhere
                    next = streams.getShardIterator(b -> b.streamArn(streamArn).shardId(entry.getKey())
                            .shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER).sequenceNumber(failed.get(0)))
                            .shardIterator();
                    sleep(pollInterval);
                }
                more |= records.size() == PAGE;
            }
            if (next == null) {
                iterators.remove(entry.getKey());
                closedShard = true;
            } else {
                iterators.put(entry.getKey(), next);
            }
        }
        if (closedShard) refreshShards(ShardIteratorType.TRIM_HORIZON);
        return more;
    }

    /** Finds the stream and its open shards; a shard not yet read starts at {@code start}. */
    private void refreshShards(ShardIteratorType start) {
        if (streamArn == null) {
            var listed = streams.listStreams(b -> b.tableName(table)).streams();
            if (listed.isEmpty()) {
                problem("table " + table + " has no stream: log sinks get nothing (recreate the table, or its --data-dir)");
                return;
            }
            streamArn = listed.get(0).streamArn();
        }
        StreamDescription description = streams.describeStream(b -> b.streamArn(streamArn)).streamDescription();
        for (Shard shard : description.shards()) {
            boolean open = shard.sequenceNumberRange() == null || shard.sequenceNumberRange().endingSequenceNumber() == null;
            if (!open || iterators.containsKey(shard.shardId())) continue;
            String iterator = streams.getShardIterator(b -> b.streamArn(streamArn).shardId(shard.shardId())
                    .shardIteratorType(start)).shardIterator();
            iterators.put(shard.shardId(), iterator);
        }
    }

    private void problem(String message) {
        if (message.equals(lastProblem)) return;
        lastProblem = message;
        Diagnostics.warn("local_log_forwarder", "problem", message);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops polling (after the round under way) and releases the stream client. */
    @Override
    public void close() {
        running = false;
        if (thread == null) return;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        streams.close();
    }
}
