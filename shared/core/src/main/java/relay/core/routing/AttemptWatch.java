package relay.core.routing;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

/**
 * Ends one attempt whose time is up by interrupting the thread that runs it (a blocked provider read then
 * fails and its connection is closed). A plain call has its timeout. A stream has its timeout until the
 * first chunk; after that it may run as long as chunks keep coming, each within the stall limit, up to
 * the request's deadline: a long answer that is still being written is never cut, a stalled one is.
 */
final class AttemptWatch implements AutoCloseable {
    /** One timer thread for every attempt in the process: the checks are tiny. */
    private static final ScheduledThreadPoolExecutor TIMER = timer();
    private static final long MIN_RECHECK_NANOS = 10_000_000;

    private final Thread worker;
    private final String deployment;
    private final long startNanos;
    private final Duration timeout;
    private final StreamProgress progress;
    private final Duration stall;
    private final long deadlineNanos;
    private ScheduledFuture<?> next;
    private RelayException expired;
    private boolean endedAtDeadline;
    private boolean closed;

    private AttemptWatch(Thread worker, String deployment, Duration timeout, StreamProgress progress, Duration stall,
                         Duration untilDeadline) {
        this.worker = worker;
        this.deployment = deployment;
        this.startNanos = System.nanoTime();
        this.timeout = timeout;
        this.progress = progress;
        this.stall = stall;
        this.deadlineNanos = startNanos + Math.max(0, untilDeadline.toNanos());
    }

    /**
     * Watches the calling thread's attempt.
     *
     * @param progress      the stream's progress, or null for a call answered whole
     * @param stall         how long a started stream may go without a chunk
     * @param untilDeadline the time left until the request's deadline
     */
    static AttemptWatch start(String deployment, Duration timeout, StreamProgress progress, Duration stall, Duration untilDeadline) {
        AttemptWatch watch = new AttemptWatch(Thread.currentThread(), deployment, timeout, progress, stall, untilDeadline);
        synchronized (watch) {
            watch.schedule(watch.dueNanos());
        }
        return watch;
    }

    /** Why the attempt was ended, or null while it has not been. */
    synchronized RelayException expired() {
        return expired;
    }

    /** Whether the attempt was ended by the request's deadline, rather than by the deployment's own limits. */
    synchronized boolean endedAtDeadline() {
        return endedAtDeadline;
    }

    private long dueNanos() {
        long firstChunkDue = startNanos + timeout.toNanos();
        if (progress == null) return Math.min(firstChunkDue, deadlineNanos);
        // Until the first chunk, look again at least once per stall limit: a stream that starts, then stalls, must
        // end at its stall limit, not at the (often far longer) first-chunk timeout.
        if (!progress.started()) return Math.min(Math.min(firstChunkDue, System.nanoTime() + Math.max(stall.toNanos(), MIN_RECHECK_NANOS)), deadlineNanos);
        return Math.min(progress.lastChunkNanos() + stall.toNanos(), deadlineNanos);
    }

    private void schedule(long atNanos) {
        next = TIMER.schedule(this::check, Math.max(0, atNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private synchronized void check() {
        if (closed) return;
        long due = dueNanos();
        long now = System.nanoTime();
        if (now < due) {
            schedule(due);
            return;
        }
        endedAtDeadline = now >= deadlineNanos;
        expired = reason(now);
        worker.interrupt();
    }

    private RelayException reason(long now) {
        if (now >= deadlineNanos) {
            return new RelayException(ErrorKind.REQUEST_TIMEOUT, "The request's time ran out while " + deployment + " was answering.");
        }
        if (progress != null && progress.started()) {
            return new RelayException(ErrorKind.REQUEST_TIMEOUT, deployment + " sent nothing for " + stall.toMillis()
                    + " ms (stream_timeout); the stream was ended.");
        }
        return new RelayException(ErrorKind.REQUEST_TIMEOUT, progress == null
                ? deployment + " did not finish within " + timeout.toMillis() + " ms."
                : deployment + " did not start its answer within " + timeout.toMillis() + " ms.");
    }

    /** Stops watching; the thread keeps no interrupt of the watch's once this returns. */
    @Override
    public synchronized void close() {
        closed = true;
        if (next != null) next.cancel(false);
        if (expired != null && worker == Thread.currentThread()) Thread.interrupted();
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "relay-attempt-watch");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }
}
