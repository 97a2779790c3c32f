package relay.core.cache;

import java.time.Instant;
import relay.core.wire.ChatCompletionResponse;

/**
 * A cached answer.
 *
 * @param similarity 1 for an exact hit; for a semantic hit the cosine similarity of the two prompts'
 *                   vectors (the {@link SemanticPolicy} decided the hit)
 * @param score      1 for an exact hit; for a semantic hit the {@link SemanticPolicy}'s score, the figure it
 *                   compared with its threshold (the cosine for a cosine policy; the judge's score, which can
 *                   be lower, for a judged one): what {@code x-relay-cache-similarity} tells the client
 * @param storedAt when the answer was stored
 */
public record CacheHit(Kind kind, ChatCompletionResponse response, double similarity, double score, Instant storedAt) {

    public enum Kind { EXACT, SEMANTIC }

    /** A hit whose score is its similarity (exact hits, cosine policies). */
    public CacheHit(Kind kind, ChatCompletionResponse response, double similarity, Instant storedAt) {
        this(kind, response, similarity, similarity, storedAt);
    }

    public CacheStatus status() {
        return kind == Kind.EXACT ? CacheStatus.HIT_EXACT : CacheStatus.HIT_SEMANTIC;
    }
}
