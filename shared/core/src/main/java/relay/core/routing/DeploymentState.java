package relay.core.routing;

import dev.failsafe.CircuitBreaker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the router remembers about one deployment in this process: its cool-down (a circuit breaker
 * that opens after {@code allowed_fails} failures within a minute and stays open for
 * {@code cooldown_time}), how many calls it has in flight, and its recent latency.
 */
final class DeploymentState {
    private final CircuitBreaker<Object> cooldown;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile double latencyMillis = Double.NaN; // exponentially weighted; NaN until the first success

    DeploymentState(int allowedFails, Duration cooldownTime) {
        this.cooldown = CircuitBreaker.builder()
                .withFailureThreshold(allowedFails, Duration.ofMinutes(1))
                .withDelay(cooldownTime)
                .withSuccessThreshold(1)
                .build();
    }

    /** False while cooling down; after the cool-down one trial call is let through. */
    boolean tryAcquire() {
        return cooldown.tryAcquirePermit();
    }

    boolean coolingDown() {
        return cooldown.isOpen();
    }

    Duration remainingCooldown() {
        return cooldown.getRemainingDelay();
    }

    void started() {
        inFlight.incrementAndGet();
    }

    void succeeded(long millis) {
        inFlight.decrementAndGet();
        cooldown.recordSuccess();
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
        if (countsAgainst) cooldown.recordFailure();
        else cooldown.recordSuccess(); // the deployment answered; the request was at fault
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
