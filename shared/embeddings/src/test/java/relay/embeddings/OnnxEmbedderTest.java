package relay.embeddings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OnnxEmbedderTest {
    static OnnxEmbedder embedder;

    @BeforeAll
    static void load() {
        embedder = OnnxEmbedder.loadDefault();
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    @Test
    void describesItsVectors() {
        assertEquals(384, embedder.dimensions());
        assertEquals("bge-small-en-v1.5-q", embedder.name());
    }

    @Test
    void shipsTheCenterOfItsVectors_forTheCachesIndex() {
        float[] center = embedder.center();
        assertEquals(384, center.length);
        double norm = 0;
        for (float x : center) norm += x * x;
        assertEquals(0.62, Math.sqrt(norm), 0.05, "bge's vectors sit in a cone: their mean is far from the origin");
        // a question's vector leans the same way as the center
        float[] question = embedder.embed("How do I learn Java quickly?");
        double dot = 0;
        for (int i = 0; i < 384; i++) dot += question[i] * center[i];
        assertTrue(dot > 0.3, "dot " + dot);
    }

    @Test
    void givesTheSameUnitVectorForTheSameText() {
        float[] v1 = embedder.embed("How do I learn Java quickly?");
        float[] v2 = embedder.embed("How do I learn Java quickly?");
        assertArrayEquals(v1, v2);
        assertEquals(384, v1.length);
        assertEquals(1.0, norm(v1), 1e-5);
    }

    @Test
    void placesParaphrasesCloserThanUnrelatedQuestions() {
        float[] a = embedder.embed("How do I reset my password?");
        float[] paraphrase = embedder.embed("How can I reset my password?");
        float[] related = embedder.embed("How do I change my email address?");
        float[] unrelated = embedder.embed("What is the boiling point of water at sea level?");
        double near = OnnxEmbedder.cosine(a, paraphrase);
        assertTrue(near > 0.95, "paraphrase cosine " + near);
        assertTrue(near > OnnxEmbedder.cosine(a, related));
        assertTrue(OnnxEmbedder.cosine(a, related) > OnnxEmbedder.cosine(a, unrelated));
    }

    @Test
    void embedsEmptyAndNullText() {
        float[] empty = embedder.embed("");
        assertEquals(1.0, norm(empty), 1e-5);
        assertArrayEquals(empty, embedder.embed(null));
        assertArrayEquals(empty, embedder.embed("   \n\t "));
    }

    @Test
    void truncatesVeryLongText_keepingItsEnd() {
        String preamble = "You are a helpful assistant. Answer briefly and cite your sources. ".repeat(5_000);
        String a = preamble + "What is the capital of France?";
        String b = preamble + "How do I bake sourdough bread at home?";
        float[] va = embedder.embed(a); // its speed is the bench's to measure, not a test's
        float[] vb = embedder.embed(b);
        assertEquals(1.0, norm(va), 1e-5);
        assertEquals(embedder.model().maxTokens(), embedder.tokenCount(a));
        assertTrue(!embedder.fits(a) && embedder.fits("short"));
        assertTrue(OnnxEmbedder.cosine(va, vb) < 0.99, "two long prompts that differ only at the end must differ");
    }

    @Test
    void tokenIds_areWhatTheModelReads_clsPiecesSep() {
        assertArrayEquals(new long[] {101, 2129, 2079, 1045, 25141, 2026, 20786, 1029, 102},
                embedder.tokenIds("How do I reset my password?"));
        assertEquals(embedder.model().maxTokens(), embedder.tokenIds("word ".repeat(1_000)).length, "truncated like embed");
    }

    @Test
    void givesTheSameVectorsFromFourThreadsAsFromOne() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) texts.add("Question number " + i + ": how do I sort a list of " + (i * 7) + " items?");
        List<float[]> expected = texts.stream().map(embedder::embed).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int round = 0; round < 3; round++) for (String t : texts) futures.add(pool.submit(() -> embedder.embed(t)));
            for (int i = 0; i < futures.size(); i++) assertArrayEquals(expected.get(i % texts.size()), futures.get(i).get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void failsNamingTheMissingFile_whenAModelIsNotOnTheClassPath() {
        var missing = new OnnxEmbedder.Model("nope", "no-such.onnx", "no-such-tokenizer.json", OnnxEmbedder.Pooling.MEAN, 384, 256);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> OnnxEmbedder.load(missing));
        assertTrue(e.getMessage().contains("no-such-tokenizer.json"), e.getMessage());
    }

    static double norm(float[] v) {
        double s = 0;
        for (float x : v) s += x * x;
        return Math.sqrt(s);
    }
}
