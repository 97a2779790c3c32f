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

    public RequestTrace(String requestId, Instant start, String route) {
        this.requestId = requestId;
        this.start = start;
        this.route = route;
    }

    public String requestId() { return requestId; }

    public String deployment() { return deployment; }

    public void requestedModel(String model) { this.requestedModel = model; }

    public void deployment(String deploymentId) { this.deployment = deploymentId; }

    public void usage(Usage usage) { this.usage = usage; }

    public void stream(boolean stream) { this.stream = stream; }

    public boolean logged() { return logged; }

    /** A failure after the stream started: the client got status 200 and then an error event. */
    public void streamError(ErrorKind kind) { this.streamError = kind; }

    public ErrorKind streamError() { return streamError; }

    public void notLogged() { this.logged = false; }

    public RequestLog finish(int status, String errorType, String errorCode, Duration retention) {
        long latencyMillis = (System.nanoTime() - startNanos) / 1_000_000;
        return new RequestLog(requestId, start, route, requestedModel, deployment, status, latencyMillis,
                usage == null ? null : usage.promptTokens(),
                usage == null ? null : usage.completionTokens(),
                usage == null ? null : usage.totalTokens(),
                stream, errorType, errorCode, start.plus(retention));
    }
}
