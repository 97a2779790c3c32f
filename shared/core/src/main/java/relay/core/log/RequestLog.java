package relay.core.log;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The record of one request, success or failure. Holds no key or secret: the caller's key only as
 * a hash; message text only in {@code bodies}, which {@code turn_off_message_logging} leaves out.
 *
 * @param route                 method and path as called, e.g. {@code POST /v1/chat/completions}
 * @param caller                who asked: key hash and alias, the request's {@code user} and {@code metadata}
 * @param requestedModel        the model (group) the client named; null when the request never got that far
 * @param deployment            the {@code provider/model} that answered; null when none did
 * @param provider              the provider of that deployment
 * @param providerLatencyMillis how long the answering deployment took; null when none answered
 * @param costUsd               what the answer cost at the catalog's prices; null when unknown
 * @param cacheStatus           {@code hit-exact}, {@code hit-semantic}, {@code miss} or {@code off}
 * @param errorType             the OpenAI error type of a failure; null on success
 * @param errorMessage          the failure's message as the client saw it (keys scrubbed)
 * @param attempts              every try at a deployment, in order
 * @param bodies                the request and response bodies, size-capped; null when message logging is off
 * @param expiresAt             when the record may be deleted (the table's TTL)
 */
public record RequestLog(
        String requestId,
        Instant time,
        String route,
        Caller caller,
        String requestedModel,
        String deployment,
        String provider,
        int status,
        long latencyMillis,
        Long providerLatencyMillis,
        Integer promptTokens,
        Integer completionTokens,
        Integer totalTokens,
        BigDecimal costUsd,
        boolean stream,
        String cacheStatus,
        String errorType,
        String errorCode,
        String errorMessage,
        List<Attempt> attempts,
        Bodies bodies,
        Instant expiresAt) {

    /**
     * Whether the request was refused for its Relay key before any provider was asked: traffic anyone can
     * send, so it is kept briefly and goes to no analytics sink.
     */
    public boolean unauthenticated() {
        return status == relay.core.error.ErrorKind.AUTHENTICATION.status()
                && relay.core.error.ErrorKind.AUTHENTICATION.code().equals(errorCode) && attempts.isEmpty();
    }

    /** This record, expiring at {@code expiresAt}. */
    public RequestLog withExpiresAt(Instant expiresAt) {
        return new RequestLog(requestId, time, route, caller, requestedModel, deployment, provider, status, latencyMillis,
                providerLatencyMillis, promptTokens, completionTokens, totalTokens, costUsd, stream, cacheStatus, errorType,
                errorCode, errorMessage, attempts, bodies, expiresAt);
    }

    /** How long the record of an {@link #unauthenticated()} request is kept: enough to investigate, not to pay for. */
    public static final java.time.Duration UNAUTHENTICATED_RETENTION = java.time.Duration.ofDays(1);

    /** Who made the request. {@code keyHash} is the SHA-256 of the presented key, never the key. */
    public record Caller(String keyHash, String keyAlias, String user, Map<String, String> metadata) {
        public static final Caller UNKNOWN = new Caller(null, null, null, Map.of());

        public Caller {
            metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        }
    }

    /** The bodies as sent and answered, each cut at a size limit ({@code truncated} says so). */
    public record Bodies(String request, String response, boolean truncated) {}

    public RequestLog {
        caller = caller == null ? Caller.UNKNOWN : caller;
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    /** The core facts only: a request that reached no deployment, or tests that need no more. */
    public RequestLog(String requestId, Instant time, String route, String requestedModel, String deployment, int status,
                      long latencyMillis, Integer promptTokens, Integer completionTokens, Integer totalTokens,
                      boolean stream, String errorType, String errorCode, Instant expiresAt) {
        this(requestId, time, route, requestedModel, deployment, status, latencyMillis, promptTokens, completionTokens,
                totalTokens, stream, errorType, errorCode, expiresAt, List.of());
    }

    public RequestLog(String requestId, Instant time, String route, String requestedModel, String deployment, int status,
                      long latencyMillis, Integer promptTokens, Integer completionTokens, Integer totalTokens,
                      boolean stream, String errorType, String errorCode, Instant expiresAt, List<Attempt> attempts) {
        this(requestId, time, route, Caller.UNKNOWN, requestedModel, deployment, null, status, latencyMillis, null,
                promptTokens, completionTokens, totalTokens, null, stream, null, errorType, errorCode, null, attempts,
                null, expiresAt);
    }
}
