package relay.embeddings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    @Test
    void oppositeWords_includingPrefixedOnes_disagree() {
        assertEquals(Optional.of(Check.DIRECTION), veto("How do I enable the firewall on Ubuntu?", "How do I disable the firewall on Ubuntu?"));
        assertEquals(Optional.of(Check.DIRECTION), veto("How do I sort a list in ascending order?", "How do I sort a list in descending order?"));
        assertEquals(Optional.of(Check.DIRECTION), veto("How can I increase my metabolism?", "How can I decrease my metabolism?"));
        assertEquals(Optional.of(Check.DIRECTION), veto("Is he fully responsible for the crash?", "Is he partially responsible for the crash?"));
        assertEquals(Optional.of(Check.DIRECTION), veto("How do I lock my screen?", "How do I unlock my screen?"));
        assertEquals(Optional.of(Check.DIRECTION), veto("Is it safe to eat raw eggs?", "Is it unsafe to eat raw eggs?"));
        assertEquals(Optional.empty(), veto("How do I enable and disable the firewall?", "How can I enable or disable the firewall?"));
    }

    @Test
    void rolesSwappedAroundARelationWord_disagree_butAMovedWordAloneDoesNot() {
        assertEquals(Optional.of(Check.DIRECTION), veto("How do I convert benzene into toluene?", "How do I convert toluene into benzene?"));
        assertEquals(Optional.of(Check.DIRECTION), veto("What do North Indians think about South Indians?", "What do South Indians think about North Indians?"));
        assertEquals(Optional.of(Check.DIRECTION), veto("Is Vietnam better than India?", "Is India a better country than Vietnam?"));
        assertEquals(Optional.of(Check.DIRECTION), veto("What is the best Kirby strategy?", "What is the best strategy against Kirby?"));
        assertEquals(Optional.empty(), veto("From how high can somebody fall and still survive?", "How high can a person fall from and still survive?"));
    }

    @Test
    void aSecondQuestion_orAnAddedReason_orBothSidesOfAPair_disagree() {
        assertEquals(Optional.of(Check.SECOND_QUESTION), veto("What are examples of saturated fats?", "What are saturated fats? What are some examples?"));
        assertEquals(Optional.of(Check.SECOND_QUESTION), veto("What is your favourite colour?", "What is your favourite colour and why?"));
        assertEquals(Optional.of(Check.SECOND_QUESTION), veto("Where can I learn about real estate?", "Where and how can I learn about real estate?"));
        assertEquals(Optional.of(Check.SECOND_QUESTION), veto("What are the pros of remote work?", "What are the pros and cons of remote work?"));
        assertEquals(Optional.empty(), veto("What's the best program to make flyers and why?", "What's the best program to make flyers?"),
                "the cached answer covers a question it was asked with more");
    }

    @Test
    void quantifiers_andWhoseThingIsAskedAbout_mustMatch() {
        assertEquals(Optional.of(Check.QUANTIFIERS), veto("What is the chance of exactly two heads?", "What is the chance of at least two heads?"));
        assertEquals(Optional.empty(), veto("What is digital marketing exactly?", "What is digital marketing?"));
        assertEquals(Optional.of(Check.PERSON), veto("How do I control my thoughts?", "How do I control your thoughts?"));
        assertEquals(Optional.empty(), veto("How do you show someone that you love them?", "How do I show someone that I love her?"));
    }

    @Test
    void asidesAreNoNegation_andNamesOrNumbersMatchAsTheSameWord() {
        assertEquals(Optional.empty(), veto("Do you believe in fate? Why or why not?", "Do you believe in fate? Why?"));
        assertEquals(Optional.empty(), veto("What is it like to be a television news anchor?", "What is it like to be a TV news anchor?"));
        assertEquals(Optional.empty(), veto("What are your resolutions for 2017?", "What are your resolutions'2017?"));
        assertEquals(Optional.empty(), veto("How do I open my third eye?", "How do I open my 3rd eye?"));
        assertEquals(Optional.of(Check.NUMBERS), veto("Is the iPhone 6 better?", "Is the iPhone 6s better?"));
    }

    // ---- the score ----

    @Test
    void wordingDifferences_costThePenaltyOfTheirKind() {
        SimilarityJudge.Wording w = new SimilarityJudge.Wording(0.005, 0.03, 0.007, 0.01);
        SimilarityJudge j = new SimilarityJudge(SimilarityJudge.Settings.cosineOnly(0.9).withWording(w));
        assertEquals(0.99, j.score(Text.of("How do I reset my password?"), Text.of("How can I reset my password?"), 0.99), 1e-12,
                "light words cost nothing");
        assertEquals(0.99 - 0.005, j.score(Text.of("What is the best IQ test?"), Text.of("What is the best online IQ test?"), 0.99), 1e-12,
                "a word only the new prompt has: a narrower question");
        assertEquals(0.99 - 0.03, j.score(Text.of("What is the best online IQ test?"), Text.of("What is the best IQ test?"), 0.99), 1e-12,
                "a word only the cached prompt has: a narrower answer");
        assertEquals(0.99 - 0.007, j.score(Text.of("How do I cook rice?"), Text.of("How do I cook pasta?"), 0.99), 1e-12);
        assertEquals(0.99 - 0.01, j.score(Text.of("Can I bleach white shoes?"), Text.of("How do I bleach white shoes?"), 0.99), 1e-12,
                "another kind of question");
    }

    @Test
    void theSettingsSayWhatTheyDo() {
        String s = SimilarityJudge.DEFAULT_SETTINGS.toString();
        assertTrue(s.contains("threshold 0.970") && s.contains("PERSON") && s.contains("dropped 0.030"), s);
        assertThrows(IllegalArgumentException.class, () -> new SimilarityJudge.Wording(-0.01, 0, 0, 0));
    }

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
