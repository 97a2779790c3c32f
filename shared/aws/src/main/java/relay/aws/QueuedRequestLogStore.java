package relay.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import relay.core.log.LogQuery;
import relay.core.log.RequestLog;
import relay.core.log.RequestLogStore;

/**
 * A {@link DynamoDbRequestLogStore} written from a bounded queue by one background thread, in BatchWriteItems of
 * up to {@value DynamoDbRequestLogStore#MAX_BATCH}, so no request's thread waits on DynamoDB. {@link #write} never
 * blocks: when the queue is full the record goes to the process log at once, as in the store's outage path.
 * {@link #close} lets the writer empty the queue for a bounded time, then logs what is left; the records are
 * never dropped.
 */
public final class QueuedRequestLogStore implements RequestLogStore, AutoCloseable {
    /**
     * A record carries at most 2 × 16 K chars of bodies (about 64 KB), so a full queue holds at most about 64 MB;
     * one writer empties a thousand records in well under a second unless DynamoDB stalls.
     */
    public static final int CAPACITY = 1_000;
    /** How long {@link #close} lets the writer empty the queue: enough for a full queue, short enough for a shutdown. */
    public static final Duration DRAIN_TIME = Duration.ofSeconds(5);
    /** How long an idle writer waits for a record before it looks whether the store is closed. */
    private static final long IDLE_POLL_MILLIS = 100;

    static final String QUEUE_FULL = "queue_full";
    static final String CLOSED = "log_closed";
    /** The record was being written when close() gave up waiting: it may be in the table as well. */
    static final String UNCONFIRMED_AT_CLOSE = "unconfirmed_at_close";

    private final DynamoDbRequestLogStore store;
    private final BlockingQueue<RequestLog> queue;
    private final Duration drainTime;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set when close() stops waiting: the writer takes no more records. */
    private volatile boolean abandoned;
    /** The batch the writer is writing; whoever clears it (the writer when done, close() when it gives up) owns it. */
    private final AtomicReference<List<RequestLog>> inFlight = new AtomicReference<>();
    private final AtomicLong overflowed = new AtomicLong();
    private final Thread writer;

    public QueuedRequestLogStore(DynamoDbRequestLogStore store) {
        this(store, CAPACITY, DRAIN_TIME);
    }

    QueuedRequestLogStore(DynamoDbRequestLogStore store, int capacity, Duration drainTime) {
        this.store = store;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.drainTime = drainTime;
        this.writer = Thread.ofPlatform().daemon().name("relay-request-log-writer").start(this::writeQueued);
    }

    @Override
    public void write(RequestLog record) {
        if (closed.get()) {
            store.keepInProcessLog(record, CLOSED);
        } else if (!queue.offer(record)) {
            overflowed.incrementAndGet();
            store.keepInProcessLog(record, QUEUE_FULL);
        } else if (closed.get() && queue.remove(record)) {
            // close() ran between the check and the offer, and may have emptied the queue already.
            store.keepInProcessLog(record, CLOSED);
        }
    }

    @Override
    public List<RequestLog> find(LogQuery query) {
        return store.find(query);
    }

    /** How many records went to the process log because the queue was full. */
    public long overflowed() {
        return overflowed.get();
    }

    /**
     * Waits up to {@link #DRAIN_TIME} for the writer to write what is queued; then sends what is left (and the
     * batch being written, which may also land) to the process log. Later writes go to the process log.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            writer.join(drainTime);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!writer.isAlive()) return;
        abandoned = true;
        List<RequestLog> unconfirmed = inFlight.getAndSet(null);
        if (unconfirmed != null) unconfirmed.forEach(record -> store.keepInProcessLog(record, UNCONFIRMED_AT_CLOSE));
        List<RequestLog> rest = new ArrayList<>();
        queue.drainTo(rest);
        rest.forEach(record -> store.keepInProcessLog(record, CLOSED));
    }

    private void writeQueued() {
        while (!abandoned) {
            RequestLog first;
            try {
                first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = null;
            }
            if (first == null) {
                if (closed.get()) return;
                continue;
            }
            List<RequestLog> batch = new ArrayList<>(DynamoDbRequestLogStore.MAX_BATCH);
            batch.add(first);
            queue.drainTo(batch, DynamoDbRequestLogStore.MAX_BATCH - 1);
            inFlight.set(batch);
            if (abandoned) {
                // close() stopped waiting before this batch was taken, and has not seen it.
                if (inFlight.compareAndSet(batch, null)) batch.forEach(record -> store.keepInProcessLog(record, CLOSED));
                return;
            }
            try {
                store.writeAll(batch);
            } catch (RuntimeException e) {
                // writeAll logs its own failures; this keeps the writer alive should it ever throw.
                batch.forEach(record -> store.keepInProcessLog(record, e.getClass().getSimpleName()));
            }
            inFlight.compareAndSet(batch, null);
        }
    }
}
