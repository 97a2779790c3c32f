package relay.core.cache;

/**
 * Turns a prompt into a sentence-embedding vector for the semantic cache. Implementations are built
 * once per process (on Lambda in the init phase, so SnapStart captures them) and are thread-safe.
 */
public interface Embedder {
    /**
     * The text's embedding: {@link #dimensions()} floats of unit length (L2 norm 1), so the dot product
     * of two vectors is their cosine similarity. Deterministic: the same text gives the same vector.
     * Never fails on ordinary text: empty text has a vector, and text longer than the model's window
     * is truncated.
     */
    float[] embed(String text);

    /**
     * As {@link #embed(String)}, for a request that must be answered by {@code deadline} (null: none).
     * An embedder that calls out over the network gives up by then; an in-process one ignores it.
     */
    default float[] embed(String text, java.time.Instant deadline) {
        return embed(text);
    }

    /** The length of every vector {@link #embed} returns. */
    int dimensions();

    /** The model's name, stored beside each vector so that vectors of different models are never compared. */
    String name();

    /**
     * The mean of this model's vectors over typical prompts, or null when unknown. The cache's vector
     * index buckets vectors relative to it, which spreads real prompts evenly (see {@link LshIndex}).
     */
    default float[] center() {
        return null;
    }
}
