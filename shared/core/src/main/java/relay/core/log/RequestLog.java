package relay.core.log;

import java.time.Instant;

/**
 * The record of one request, success or failure. Holds no key, secret or message text.
 *
 * @param route          method and path as called, e.g. {@code POST /v1/chat/completions}
 * @param requestedModel the model the client named; null when the request never got that far
 * @param deployment     the {@code provider/model} that answered; null when none did
 * @param errorType      the OpenAI error type of a failure; null on success
 * @param expiresAt      when the record may be deleted (the table's TTL)
 * @param attempts       every try at a deployment, failed ones first, in order
 * @param costUsd        what the answer cost at the catalog's prices; null when unknown
 */
public record RequestLog(
        String requestId,
        Instant time,
        String route,
        String requestedModel,
        String deployment,
        int status,
        long latencyMillis,
        Integer promptTokens,
        Integer completionTokens,
        Integer totalTokens,
        boolean stream,
        String errorType,
        String errorCode,
        Instant expiresAt,
        java.util.List<Attempt> attempts,
        java.math.BigDecimal costUsd) {

    public RequestLog {
        attempts = attempts == null ? java.util.List.of() : java.util.List.copyOf(attempts);
    }

    /** A record of a request that reached no deployment (or whose attempts are not of interest). */
    public RequestLog(String requestId, Instant time, String route, String requestedModel, String deployment, int status,
                      long latencyMillis, Integer promptTokens, Integer completionTokens, Integer totalTokens,
                      boolean stream, String errorType, String errorCode, Instant expiresAt) {
        this(requestId, time, route, requestedModel, deployment, status, latencyMillis, promptTokens, completionTokens,
                totalTokens, stream, errorType, errorCode, expiresAt, java.util.List.of(), null);
    }

    public RequestLog(String requestId, Instant time, String route, String requestedModel, String deployment, int status,
                      long latencyMillis, Integer promptTokens, Integer completionTokens, Integer totalTokens,
                      boolean stream, String errorType, String errorCode, Instant expiresAt, java.util.List<Attempt> attempts) {
        this(requestId, time, route, requestedModel, deployment, status, latencyMillis, promptTokens, completionTokens,
                totalTokens, stream, errorType, errorCode, expiresAt, attempts, null);
    }
}
