package relay.core.log;

import java.time.Instant;

/**
 * A search of the request log, as {@code GET /spend/logs} takes it: by request id, by key (hash), by
 * model, within a time range, newest first.
 */
public record LogQuery(String requestId, String keyHash, String model, Instant from, Instant to, int limit) {
    public static final int MAX_LIMIT = 1000;
}
