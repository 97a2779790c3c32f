package relay.embeddings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import relay.core.cache.SemanticPolicy;

class SemanticCachePolicyTest {

    @Test
    void unset_isTheJudgesTunedThreshold_andCandidatesBelowItAreNotFetched() {
        SemanticPolicy policy = SemanticCachePolicy.forThreshold(null);
        assertEquals(SimilarityJudge.DEFAULT_SETTINGS.threshold(), policy.threshold());
        assertEquals(policy.threshold(), policy.minCosine(), "the score is the cosine: nothing below the threshold can pass");
        assertEquals(0.9, SemanticCachePolicy.forThreshold(0.9).minCosine());
    }

    @Test
    void theChecksVeto_evenAboveTheThreshold() {
        SemanticPolicy policy = SemanticCachePolicy.forThreshold(null);
        assertTrue(policy.accepts(policy.score("How do I learn Python quickly?", "How can I learn Python quickly?", 0.97)));
        assertFalse(policy.accepts(policy.score("How do I learn Java quickly?", "How do I learn Python quickly?", 0.97)),
                "another name is another question");
        assertFalse(policy.accepts(policy.score("How can I learn Python quickly?", "How do I learn Python quickly?", 0.90)));
    }
}
