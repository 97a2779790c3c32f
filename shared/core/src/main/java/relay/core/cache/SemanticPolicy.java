package relay.core.cache;

/**
 * When a cached prompt may answer a new one. Candidates come from the vector index, ranked by cosine
 * similarity; those at or above {@code minCosine} are shown, best first and at most {@code maxJudged}
 * of them, to the {@code scorer}; the first whose score reaches {@code threshold} is the hit.
 *
 * <p>With {@link #cosine(double)} the score is the cosine itself. A judge (a cross-encoder, rules
 * about negation or numbers, …) plugs in as a {@link Scorer}; it sees both prompts' text.
 *
 * @param minCosine the cosine below which a candidate is not even judged; the vector index is tuned to
 *                  find candidates from about 0.85 up (see {@link LshIndex})
 */
public record SemanticPolicy(double threshold, double minCosine, int maxJudged, Scorer scorer) {

    /** Scores a cached prompt against the new one; compared with {@link #threshold()}. */
    @FunctionalInterface
    public interface Scorer {
        double score(String prompt, String cachedPrompt, double cosine);
    }

    public SemanticPolicy {
        if (maxJudged < 1) throw new IllegalArgumentException("maxJudged must be at least 1");
        if (scorer == null) throw new IllegalArgumentException("scorer is required");
    }

    /** Hit when the cosine similarity reaches {@code threshold}; only the best candidate is fetched. */
    public static SemanticPolicy cosine(double threshold) {
        return new SemanticPolicy(threshold, threshold, 1, (prompt, cached, cosine) -> cosine);
    }

    /** A judge's score decides; candidates from {@code minCosine} up, the best {@code maxJudged}, are judged. */
    public static SemanticPolicy judged(double threshold, double minCosine, int maxJudged, Scorer judge) {
        return new SemanticPolicy(threshold, minCosine, maxJudged, judge);
    }

    /** A yes/no judge (for example {@code BiPredicate<String, String>::test} wrapped with the cosine). */
    public static SemanticPolicy judged(double minCosine, int maxJudged, java.util.function.BiPredicate<String, String> judge) {
        return new SemanticPolicy(1, minCosine, maxJudged, (prompt, cached, cosine) -> judge.test(prompt, cached) ? 1 : 0);
    }

    /** The score of a candidate, or NaN when the scorer fails (a failing judge never fails the request). */
    public double score(String prompt, String cachedPrompt, double cosine) {
        try {
            return scorer.score(prompt, cachedPrompt, cosine);
        } catch (RuntimeException e) {
            relay.core.log.Diagnostics.warn("response_cache_judge_failed", "reason", e.getClass().getSimpleName());
            return Double.NaN;
        }
    }

    public boolean accepts(double score) {
        return score >= threshold;
    }
}
