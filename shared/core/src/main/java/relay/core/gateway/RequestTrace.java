package relay.core.gateway;

import java.time.Duration;
import java.time.Instant;
import relay.core.error.ErrorKind;
import relay.core.log.RequestLog;
import relay.core.wire.Usage;

/** What one request did, filled in as it goes and turned into its {@link RequestLog} at the end. */
public final class RequestTrace {
    private final String requestId;
    private final Instant start;
    private final long startNanos = System.nanoTime();
    private final String route;
    private String requestedModel;
    private String deployment;
    private Usage usage;
    private boolean stream;
    private boolean logged = true;
    private ErrorKind streamError;
    private final java.util.List<relay.core.log.Attempt> attempts = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    private java.time.Instant deadline;
    private java.math.BigDecimal cost;

    public RequestTrace(String requestId, Instant start, String route) {
        this.requestId = requestId;
        this.start = start;
        this.route = route;
    }

    public String requestId() { return requestId; }

    public String deployment() { return deployment; }

    public Usage usage() { return usage; }

    public void requestedModel(String model) { this.requestedModel = model; }

    public void deployment(String deploymentId) { this.deployment = deploymentId; }

    public void usage(Usage usage) { this.usage = usage; }

    public void stream(boolean stream) { this.stream = stream; }

    public void cost(java.math.BigDecimal cost) { this.cost = cost; }

    public java.math.BigDecimal cost() { return cost; }

    public boolean logged() { return logged; }

    /** A failure after the stream started: the client got status 200 and then an error event. */
    public void streamError(ErrorKind kind) { this.streamError = kind; }

    public ErrorKind streamError() { return streamError; }

    public void notLogged() { this.logged = false; }

    public void attempt(relay.core.log.Attempt attempt) { attempts.add(attempt); }

    public java.util.List<relay.core.log.Attempt> attempts() {
        synchronized (attempts) {
            return java.util.List.copyOf(attempts);
        }
    }

    /** How many deployments failed before the one that answered (or in all, when none did). */
    public int failedDeployments() {
        return (int) attempts().stream().filter(a -> !a.succeeded()).map(relay.core.log.Attempt::deployment)
                .filter(d -> !d.equals(deployment)).distinct().count();
    }

    /** When the answer must be out: the Lambda's remaining time and API Gateway's 30 s, whichever ends first. */
    public java.time.Instant deadline() { return deadline; }

    public void deadline(java.time.Instant deadline) { this.deadline = deadline; }

    public RequestLog finish(int status, String errorType, String errorCode, Duration retention) {
        long latencyMillis = (System.nanoTime() - startNanos) / 1_000_000;
        return new RequestLog(requestId, start, route, requestedModel, deployment, status, latencyMillis,
                usage == null ? null : usage.promptTokens(),
                usage == null ? null : usage.completionTokens(),
                usage == null ? null : usage.totalTokens(),
                stream, errorType, errorCode, start.plus(retention), attempts(), cost);
    }
}
