package relay.core.routing;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * What the router remembers about one deployment in this process: its cool-down (it starts after
 * {@code allowed_fails} failures within a minute and lasts {@code cooldown_time}; then one trial call
 * is let through, whose success ends it and whose failure starts another), how many calls it has in
 * flight, and its recent latency.
 */
final class DeploymentState {
    static final Duration FAILURE_WINDOW = Duration.ofMinutes(1);

    private enum Cooldown { NONE, COOLING, TRIAL }

    private final int allowedFails;
    private final long cooldownNanos;
    /** Monotonic nanoseconds ({@code System::nanoTime} in production): the cool-down's only clock. */
    private final LongSupplier ticker;
    private final Deque<Long> recentFailures = new ArrayDeque<>(); // when each failure within the window happened
    private Cooldown cooldown = Cooldown.NONE;
    private long cooledAt;
    private boolean trialTaken;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile double latencyMillis = Double.NaN; // exponentially weighted; NaN until the first success

    DeploymentState(int allowedFails, Duration cooldownTime) {
        this(allowedFails, cooldownTime, System::nanoTime);
    }

    DeploymentState(int allowedFails, Duration cooldownTime, LongSupplier ticker) {
        if (allowedFails < 1) throw new IllegalArgumentException("allowedFails must be at least 1");
        this.allowedFails = allowedFails;
        this.cooldownNanos = cooldownTime.toNanos();
        this.ticker = ticker;
    }

    /** False while cooling down; after the cool-down one trial call is let through. */
    synchronized boolean tryAcquire() {
        if (cooldown == Cooldown.COOLING && ticker.getAsLong() - cooledAt >= cooldownNanos) {
            cooldown = Cooldown.TRIAL;
            trialTaken = false;
        }
        return switch (cooldown) {
            case NONE -> true;
            case COOLING -> false;
            case TRIAL -> {
                boolean first = !trialTaken;
                trialTaken = true;
                yield first;
            }
        };
    }

    /** True from the failure that starts a cool-down until its trial call is let through. */
    synchronized boolean coolingDown() {
        return cooldown == Cooldown.COOLING;
    }

    synchronized Duration remainingCooldown() {
        if (cooldown != Cooldown.COOLING) return Duration.ZERO;
        return Duration.ofNanos(Math.max(0, cooldownNanos - (ticker.getAsLong() - cooledAt)));
    }

    /** The deployment answered (or the request, not the deployment, was at fault). */
    private synchronized void answered() {
        if (cooldown == Cooldown.TRIAL) {
            cooldown = Cooldown.NONE;
            recentFailures.clear();
        }
    }

    private synchronized void faulted() {
        long now = ticker.getAsLong();
        switch (cooldown) {
            case COOLING -> { } // a call that started before the cool-down: it is already counted
            case TRIAL -> coolDown(now);
            case NONE -> {
                recentFailures.addLast(now);
                while (now - recentFailures.peekFirst() > FAILURE_WINDOW.toNanos()) recentFailures.removeFirst();
                if (recentFailures.size() >= allowedFails) coolDown(now);
            }
        }
    }

    private void coolDown(long now) {
        cooldown = Cooldown.COOLING;
        cooledAt = now;
        recentFailures.clear();
    }

    void started() {
        inFlight.incrementAndGet();
    }

    void succeeded(long millis) {
        inFlight.decrementAndGet();
        answered();
        double previous = latencyMillis;
        latencyMillis = Double.isNaN(previous) ? millis : 0.7 * previous + 0.3 * millis;
    }

    /**
     * @param countsAgainst whether the failure is the deployment's (not the request's) fault
     * @param timedOut      whether it failed by taking too long: then its time counts as a latency, so
     *                      latency-based routing does not keep preferring a deployment that never answers
     */
    void failed(boolean countsAgainst, long millis, boolean timedOut) {
        inFlight.decrementAndGet();
        if (countsAgainst) faulted();
        else answered(); // the deployment answered; the request was at fault
        if (timedOut) {
            double previous = latencyMillis;
            latencyMillis = Double.isNaN(previous) ? millis : 0.7 * previous + 0.3 * millis;
        }
    }

    int inFlight() {
        return inFlight.get();
    }

    double latencyMillis() {
        return latencyMillis;
    }
}
