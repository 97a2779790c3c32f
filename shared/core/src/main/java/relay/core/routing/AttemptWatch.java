package relay.core.routing;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
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
    private static final Timer TIMER = new Timer();
    private static final long MIN_RECHECK_NANOS = 10_000_000;
    /** What {@link #check} returns for a watch that needs no more checks (closed, or its attempt ended). */
    private static final long DONE = Long.MIN_VALUE;

    private final Thread worker;
    private final String deployment;
    private final long startNanos;
    private final Duration timeout;
    private final StreamProgress progress;
    private final Duration stall;
    private final long deadlineNanos;
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
        long due;
        synchronized (watch) {
            due = watch.dueNanos();
        }
        TIMER.add(watch, due);
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

    /** Ends the attempt if its time is up; returns when to look again, or {@link #DONE}. */
    private synchronized long check(long now) {
        if (closed) return DONE;
        long due = dueNanos();
        if (now - due < 0) return due;
        endedAtDeadline = now - deadlineNanos >= 0;
        expired = reason(now);
        worker.interrupt();
        return DONE;
    }

    private RelayException reason(long now) {
        if (now - deadlineNanos >= 0) {
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
    public void close() {
        synchronized (this) {
            closed = true;
            if (expired != null && worker == Thread.currentThread()) Thread.interrupted();
        }
        TIMER.remove(this);
    }

    /**
     * The thread that checks every open watch when the earliest may be due. A new watch wakes it only when
     * it is due before the planned wake-up: attempts one after another (a Lambda's, each due long after the
     * last was planned) start and end without waking another thread. A wake-up with nothing due just plans
     * the next one.
     */
    private static final class Timer {
        private final Set<AttemptWatch> open = ConcurrentHashMap.newKeySet();
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition wakeUp = lock.newCondition();
        private boolean planned; // guarded by lock, as the three below
        private long plannedNanos;
        private boolean checking;
        private boolean addedWhileChecking;

        Timer() {
            Thread thread = new Thread(this::run, "relay-attempt-watch");
            thread.setDaemon(true);
            thread.start();
        }

        void add(AttemptWatch watch, long due) {
            open.add(watch);
            lock.lock();
            try {
                if (checking) {
                    addedWhileChecking = true; // the round under way may have missed it: it goes round again
                } else if (!planned || due - plannedNanos < 0) {
                    planned = true;
                    plannedNanos = due;
                    wakeUp.signal();
                }
            } finally {
                lock.unlock();
            }
        }

        void remove(AttemptWatch watch) {
            open.remove(watch);
        }

        private void run() {
            while (true) {
                lock.lock();
                try {
                    checking = true;
                    addedWhileChecking = false;
                } finally {
                    lock.unlock();
                }
                long now = System.nanoTime();
                boolean any = false;
                long earliest = 0;
                for (AttemptWatch watch : open) {
                    long due = watch.check(now);
                    if (due == DONE) {
                        open.remove(watch);
                    } else if (!any || due - earliest < 0) {
                        any = true;
                        earliest = due;
                    }
                }
                lock.lock();
                try {
                    checking = false;
                    if (addedWhileChecking) continue;
                    planned = any;
                    plannedNanos = earliest;
                    if (!any) wakeUp.awaitUninterruptibly();
                    else {
                        long wait = earliest - System.nanoTime();
                        if (wait > 0) wakeUp.awaitNanos(wait);
                    }
                } catch (InterruptedException e) {
                    // nobody interrupts this thread; if something does, it just checks again
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
