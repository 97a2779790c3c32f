package relay.core.cache;

import java.time.Instant;
import relay.core.wire.ChatCompletionResponse;

/**
 * A cached answer.
 *
 * @param similarity 1 for an exact hit; for a semantic hit the cosine similarity of the two prompts'
 *                   vectors (the {@link SemanticPolicy} decided the hit)
 * @param storedAt when the answer was stored
 */
public record CacheHit(Kind kind, ChatCompletionResponse response, double similarity, Instant storedAt) {

    public enum Kind { EXACT, SEMANTIC }

    public CacheStatus status() {
        return kind == Kind.EXACT ? CacheStatus.HIT_EXACT : CacheStatus.HIT_SEMANTIC;
    }
}
