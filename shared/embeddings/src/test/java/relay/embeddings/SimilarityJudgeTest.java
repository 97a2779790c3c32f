package relay.embeddings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.embeddings.SimilarityJudge.Check;
import relay.embeddings.SimilarityJudge.Text;

/** Hand-written pairs (none from the Quora set the threshold was chosen on). */
class SimilarityJudgeTest {
    static OnnxEmbedder embedder;
    static final SimilarityJudge judge = SimilarityJudge.DEFAULT;

    @BeforeAll
    static void load() {
        embedder = OnnxEmbedder.loadDefault();
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    private static boolean same(String cached, String prompt) {
        return judge.sameQuestion(cached, embedder.embed(cached), prompt, embedder.embed(prompt));
    }

    private static Optional<Check> veto(String a, String b) {
        return judge.disagreement(Text.of(a), Text.of(b));
    }

    // ---- with the real model and the default threshold ----

    @Test
    void matchesParaphrases() {
        assertTrue(same("How do I reset my password?", "How can I reset my password?"));
        assertTrue(same("What is the best way to learn Python?", "What's the best way to learn Python?"));
        assertTrue(same("How do I delete my Gmail account?", "How can I delete my Gmail account?"));
    }

    @Test
    void rejectsDifferentQuestionsOnTheSameTopic() {
        assertFalse(same("What is the capital of France?", "What is the capital of Germany?"));
        assertFalse(same("How many days are there in 2024?", "How many days are there in 2023?"));
        assertFalse(same("How do I convert dollars to euros?", "How do I convert euros to dollars?"));
        assertFalse(same("Why is Python slow?", "How is Python slow?"));
        assertFalse(same("Should I learn C++ or Java?", "Should I learn C# or Java?"));
        assertFalse(same("How do I reset my password?", "How do I change my email address?"));
    }

    @Test
    void rejectsANegatedQuestion() {
        assertFalse(same("Why do cats purr?", "Why don't cats purr?"));
    }

    // ---- the checks, text only ----

    @Test
    void numbersMustMatch_withNumberWordsAsDigits() {
        assertEquals(Optional.of(Check.NUMBERS), veto("Top 10 movies of 2019", "Top 10 movies of 2020"));
        assertEquals(Optional.empty(), veto("What are the top two phones?", "What are the top 2 phones?"));
        assertEquals(Optional.empty(), veto("Is 1,000 a lot?", "Is 1000 a lot?"));
    }

    @Test
    void namesMustAppearOnBothSides_whateverTheirCase() {
        assertEquals(Optional.of(Check.ENTITIES), veto("What is the weather in Paris today?", "What is the weather in Rome today?"));
        assertEquals(Optional.empty(), veto("how do i learn python?", "How do I learn Python?"));
        assertEquals(Optional.of(Check.ENTITIES), veto("How do I translate '才' to English?", "How do I translate '竟然' to English?"));
        assertEquals(Optional.of(Check.ENTITIES), veto("What does \"carpe diem\" mean?", "What does \"memento mori\" mean?"));
    }

    @Test
    void symbolsMustMatch() {
        assertEquals(Optional.of(Check.SYMBOLS), veto("Is C++ hard to learn?", "Is C# hard to learn?"));
        assertEquals(Optional.of(Check.SYMBOLS), veto("What does ~ mean in bash?", "What does % mean in bash?"));
    }

    @Test
    void negationMustMatch() {
        assertEquals(Optional.of(Check.NEGATION), veto("Why do I sleep well?", "Why can't I sleep well?"));
        assertEquals(Optional.of(Check.NEGATION), veto("Can I travel with a passport?", "Can I travel without a passport?"));
        assertEquals(Optional.empty(), veto("Why can't I sleep?", "Why cannot I sleep?"));
    }

    @Test
    void oppositeWordsAndSwappedDirectionsDisagree() {
        assertEquals(Optional.of(Check.DIRECTION), veto("Which foods have more sugar?", "Which foods have less sugar?"));
        assertEquals(Optional.of(Check.DIRECTION), veto("Is this the right answer?", "Is this the wrong answer?"));
        assertEquals(Optional.of(Check.DIRECTION), veto("How do I convert kg to pounds?", "How do I convert pounds to kg?"));
        assertEquals(Optional.empty(), veto("What is the difference between a cat and a dog?", "What is the difference between a dog and a cat?"));
    }

    @Test
    void questionKindsMustShareAKind_butWhatHowAndWhichMayStandForEachOther() {
        assertEquals(Optional.of(Check.QUESTION_KIND), veto("Why did Rome fall?", "When did Rome fall?"));
        assertEquals(Optional.empty(), veto("How do I start running?", "What is the way to start running?"));
        assertEquals(Optional.empty(), veto("Can I start running at 40?", "How can I start running at 40?"));
    }

    // ---- the score ----

    @Test
    void scoresWithTheCosineAlone_orMixedWithWordOverlap() {
        Text a = Text.of("how to cook rice");
        Text b = Text.of("how to cook pasta");
        SimilarityJudge cosine = new SimilarityJudge(SimilarityJudge.Settings.cosineOnly(0.9));
        assertEquals(0.9, cosine.score(a, b, 0.9), 1e-12);
        SimilarityJudge mixed = new SimilarityJudge(SimilarityJudge.Settings.cosineOnly(0.9).withCosineWeight(0.8));
        assertEquals(0.8 * 0.9 + 0.2 * (3.0 / 5.0), mixed.score(a, b, 0.9), 1e-12);
        assertEquals(Double.NEGATIVE_INFINITY, judge.rankingScore(Text.of("rice for 2"), Text.of("rice for 3"), 0.99));
    }

    @Test
    void theDefaultIsWhatTheBenchMeasured() {
        assertEquals(0.97, SimilarityJudge.DEFAULT_SETTINGS.threshold());
        assertEquals(1.0, SimilarityJudge.DEFAULT_SETTINGS.cosineWeight());
        assertEquals(Set.of(Check.NUMBERS, Check.ENTITIES, Check.SYMBOLS, Check.NEGATION, Check.DIRECTION, Check.QUESTION_KIND,
                        Check.SECOND_QUESTION, Check.QUANTIFIERS, Check.PERSON),
                SimilarityJudge.DEFAULT_SETTINGS.checks());
        assertEquals(new SimilarityJudge.Wording(0.005, 0.03, 0.005, 0.01), SimilarityJudge.DEFAULT_SETTINGS.wording());
        assertEquals(OnnxEmbedder.Model.BGE_SMALL_EN_V15_Q, OnnxEmbedder.DEFAULT_MODEL);
    }
}
