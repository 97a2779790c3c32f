package relay.embeddings;

import relay.core.cache.SemanticPolicy;
import relay.embeddings.SimilarityJudge.Text;

/** The semantic cache's hit rule for the in-process embedder: which nearest cached prompt may answer a new one. */
public final class SemanticCachePolicy {
    /** Candidates below this cosine are not judged; the vector index finds candidates from about 0.85 up. */
    static final double MIN_COSINE = 0.85;
    /** How many of the nearest candidates the judge sees. */
    static final int JUDGED = 5;

    private SemanticCachePolicy() {}

    /**
     * The policy for {@code cache_params.similarity_threshold}: null takes the tuned default
     * ({@link SimilarityJudge#DEFAULT_SETTINGS}); a number replaces its score threshold and keeps its checks and
     * wording penalties. The score a hit was served at is what {@code x-relay-cache-similarity} says.
     */
    public static SemanticPolicy forThreshold(Double similarityThreshold) {
        SimilarityJudge judge = similarityThreshold == null
                ? SimilarityJudge.DEFAULT
                : new SimilarityJudge(SimilarityJudge.DEFAULT_SETTINGS.withThreshold(similarityThreshold));
        double threshold = judge.settings().threshold();
        // When the score is the cosine (less a penalty), a candidate below the threshold can never pass: don't fetch it.
        double lowest = judge.settings().cosineWeight() >= 1 ? threshold : Math.min(MIN_COSINE, threshold);
        return SemanticPolicy.judged(threshold, lowest, JUDGED,
                (prompt, cached, cosine) -> judge.rankingScore(Text.of(cached), promptText(prompt), cosine));
    }

    /** The last prompt this thread judged, analysed: a lookup judges up to {@value #JUDGED} candidates against one prompt. */
    private static final ThreadLocal<Text> LAST_PROMPT = new ThreadLocal<>();

    static Text promptText(String prompt) {
        Text last = LAST_PROMPT.get();
        if (last != null && last.text().equals(prompt)) return last;
        Text text = Text.of(prompt);
        LAST_PROMPT.set(text);
        return text;
    }

    /** The threshold {@link #forThreshold} uses for null. */
    public static double defaultThreshold() {
        return SimilarityJudge.DEFAULT_SETTINGS.threshold();
    }
}
