package relay.embeddings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Expected ids are what the Hugging Face tokenizer (Rust, through DJL) gives for the same tokenizer.json. */
class WordPieceTokenizerTest {
    static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = WordPieceTokenizerTest.class.getClassLoader()
                .getResourceAsStream(OnnxEmbedder.Model.BGE_SMALL_EN_V15_Q.tokenizerResource())) {
            tokenizer = WordPieceTokenizer.fromTokenizerJson(in);
        }
    }

    @Test
    void encodesLikeTheHuggingFaceTokenizer_forPlainText() {
        assertArrayEquals(new long[] {101, 2129, 2079, 1045, 25141, 2026, 20786, 1029, 102},
                tokenizer.encode("How do I reset my password?", 512));
    }

    @Test
    void lowercasesAndStripsAccents() {
        assertArrayEquals(new long[] {101, 7592, 1010, 2088, 999, 15743, 7668, 102},
                tokenizer.encode("Héllo, WÖRLD! naïve café", 512));
    }

    @Test
    void splitsEveryPunctuationCharacter_includingAsciiSymbols() {
        assertArrayEquals(new long[] {101, 1045, 2123, 1005, 1056, 2066, 1039, 1009, 1009, 1006, 2030, 1039, 1001, 1007, 1012, 102},
                tokenizer.encode("I don't like C++ (or C#).", 512));
    }

    @Test
    void givesEachCjkIdeographItsOwnToken_andSplitsUnknownWordsIntoPieces() {
        assertArrayEquals(new long[] {101, 1746, 1861, 19204, 3989, 102}, tokenizer.encode("中文 tokenization", 512));
        assertArrayEquals(new long[] {101, 3565, 9289, 10128, 29181, 24411, 4588, 10288, 19312, 21273, 10085, 6313, 102},
                tokenizer.encode("supercalifragilisticexpialidocious", 512));
    }

    @Test
    void turnsAWordOfMoreThan100CharactersIntoUnk_andEmptyTextIntoClsSep() {
        assertArrayEquals(new long[] {101, 100, 102}, tokenizer.encode("x".repeat(101), 512));
        assertArrayEquals(new long[] {101, 102}, tokenizer.encode("", 512));
        assertArrayEquals(new long[] {101, 102}, tokenizer.encode(" \t\n\u0000 ", 512));
    }

    @Test
    void truncatesLongTextToItsHeadAndTail() {
        String text = "alpha ".repeat(1000) + "omega";
        long[] ids = tokenizer.encode(text, 64);
        assertEquals(64, ids.length);
        assertEquals(101, ids[0]);
        assertEquals(102, ids[63]);
        long omega = tokenizer.encode("omega", 512)[1];
        long alpha = tokenizer.encode("alpha", 512)[1];
        assertEquals(alpha, ids[1], "the head is kept");
        assertEquals(omega, ids[62], "the tail is kept: the end of a long prompt is usually its question");
    }

    @Test
    void tokenizesOnlyTheEndsOfHugeText_withTheSameResultAsFullTokenization() {
        String text = "word ".repeat(200_000) + "last";
        long[] ids = tokenizer.encode(text, 256);
        assertEquals(256, ids.length);
        long[] tail = Arrays.copyOfRange(ids, 254, 255);
        assertArrayEquals(new long[] {tokenizer.encode("last", 512)[1]}, tail);
    }
}
