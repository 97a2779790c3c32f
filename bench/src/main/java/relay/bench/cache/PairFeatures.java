package relay.bench.cache;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import relay.embeddings.SimilarityJudge;
import relay.embeddings.SimilarityJudge.Check;
import relay.embeddings.SimilarityJudge.Settings;
import relay.embeddings.SimilarityJudge.Text;

/**
 * Features of a (cached prompt, new prompt) pair for the learned re-ranker: the cosine, lexical
 * features and the judge's check outcomes (computable from the two texts and the cosine), optionally
 * SBERT-style vector features ({@code |u - v|} and {@code u * v}) of one or two embedders, and optionally
 * hashed words found on one side only (sparse, value 1).
 */
final class PairFeatures {

    /** A prompt analysed once: the judge's {@link Text} and its word sequence. */
    static final class Lex {
        final Text text;
        final List<String> seq;
        final Set<String> words;
        final Set<String> content;
        final Set<String> bigrams;
        final int chars;

        Lex(String s) {
            this.text = Text.of(s);
            List<String> seq = new ArrayList<>();
            Matcher m = TOKEN.matcher(s == null ? "" : s);
            while (m.find()) seq.add(m.group().replace('\u2019', '\'').toLowerCase(Locale.ROOT));
            this.seq = List.copyOf(seq);
            this.words = Set.copyOf(new HashSet<>(seq));
            Set<String> content = new HashSet<>();
            for (String w : seq) if (!STOP.contains(w)) content.add(w);
            this.content = Set.copyOf(content);
            Set<String> bi = new HashSet<>();
            for (int i = 0; i + 1 < seq.size(); i++) bi.add(seq.get(i) + " " + seq.get(i + 1));
            this.bigrams = Set.copyOf(bi);
            this.chars = s == null ? 0 : s.length();
        }
    }

    private static final Pattern TOKEN = Pattern.compile("[\\p{L}\\p{N}]+(?:['\u2019.,][\\p{L}\\p{N}]+)*");
    private static final Set<String> STOP = Set.of("a", "an", "the", "is", "are", "was", "were", "be", "been", "do",
            "does", "did", "i", "me", "my", "you", "your", "we", "it", "its", "of", "in", "on", "for", "to", "and", "or",
            "can", "could", "should", "would", "will", "what", "how", "which", "why", "when", "where", "who", "that",
            "this", "with", "from", "at", "by", "as", "some", "any", "there", "if", "so", "get", "have", "has", "about");
    private static final Check[] CHECKS = Check.values();
    private static final SimilarityJudge[] SINGLE = new SimilarityJudge[CHECKS.length];

    static {
        for (int i = 0; i < CHECKS.length; i++) SINGLE[i] = new SimilarityJudge(Settings.cosineOnly(0).withChecks(EnumSet.of(CHECKS[i])));
    }

    static final int LEX_SIZE = 14 + CHECKS.length;

    final boolean lexical;
    final int vectorDims; // per embedder
    final int embedders;  // 0, 1 or 2
    final int hashBuckets;
    final boolean cosinesOnly; // of each embedder only the cosine, no |u - v| or u * v

    PairFeatures(boolean lexical, int embedders, int vectorDims, int hashBuckets, boolean cosinesOnly) {
        this.lexical = lexical;
        this.embedders = embedders;
        this.vectorDims = vectorDims;
        this.hashBuckets = hashBuckets;
        this.cosinesOnly = cosinesOnly;
    }

    int denseSize() {
        return 1 + (lexical ? LEX_SIZE : 0) + embedders * ((cosinesOnly ? 0 : 2 * vectorDims) + 1);
    }

    /** Dense features; {@code vectors} holds (cached, prompt) vector pairs, one pair per embedder, the first being the one whose cosine is given. */
    float[] dense(Lex a, Lex b, double cosine, float[]... vectors) {
        float[] x = new float[denseSize()];
        int k = 0;
        x[k++] = (float) cosine;
        if (lexical) k = lexical(x, k, a, b);
        for (int e = 0; e < embedders; e++) {
            float[] u = vectors[2 * e], v = vectors[2 * e + 1];
            float dot = 0;
            for (int d = 0; d < vectorDims; d++) dot += u[d] * v[d];
            if (!cosinesOnly) {
                for (int d = 0; d < vectorDims; d++) {
                    x[k + d] = Math.abs(u[d] - v[d]);
                    x[k + vectorDims + d] = u[d] * v[d];
                }
                k += 2 * vectorDims;
            }
            x[k++] = dot;
        }
        return x;
    }

    private static int lexical(float[] x, int k, Lex a, Lex b) {
        x[k++] = (float) jaccard(a.words, b.words);
        x[k++] = (float) jaccard(a.content, b.content);
        x[k++] = (float) jaccard(a.bigrams, b.bigrams);
        int na = a.seq.size(), nb = b.seq.size();
        x[k++] = (float) (Math.min(na, nb) / (double) Math.max(1, Math.max(na, nb)));
        x[k++] = (float) (Math.min(a.chars, b.chars) / (double) Math.max(1, Math.max(a.chars, b.chars)));
        int common = 0;
        for (String w : a.words) if (b.words.contains(w)) common++;
        x[k++] = (float) (common / (double) Math.max(1, a.words.size()));
        x[k++] = (float) (common / (double) Math.max(1, b.words.size()));
        x[k++] = (float) Math.log1p(a.words.size() - common);
        x[k++] = (float) Math.log1p(b.words.size() - common);
        x[k++] = a.seq.equals(b.seq) ? 1 : 0;
        x[k++] = a.words.equals(b.words) ? 1 : 0;
        x[k++] = !a.seq.isEmpty() && !b.seq.isEmpty() && a.seq.get(0).equals(b.seq.get(0)) ? 1 : 0;
        x[k++] = !a.seq.isEmpty() && !b.seq.isEmpty() && a.seq.get(a.seq.size() - 1).equals(b.seq.get(b.seq.size() - 1)) ? 1 : 0;
        x[k++] = (float) Math.log1p(Math.max(na, nb));
        for (SimilarityJudge j : SINGLE) x[k++] = j.disagreement(a.text, b.text).isPresent() ? 1 : 0;
        return k;
    }

    /** Hashed content words found on one side only (a word of the cached side and of the prompt side hash apart). */
    int[] sparse(Lex a, Lex b) {
        if (hashBuckets == 0) return EMPTY;
        Set<Integer> out = new HashSet<>();
        for (String w : a.content) if (!b.content.contains(w)) out.add(Math.floorMod(w.hashCode(), hashBuckets));
        for (String w : b.content) if (!a.content.contains(w)) out.add(Math.floorMod(w.hashCode(), hashBuckets));
        int[] r = new int[out.size()];
        int i = 0;
        for (int h : out) r[i++] = h;
        java.util.Arrays.sort(r);
        return r;
    }

    private static final int[] EMPTY = new int[0];

    static double jaccard(Set<String> a, Set<String> b) {
        if (a.isEmpty() && b.isEmpty()) return 1.0;
        int common = 0;
        for (String w : a) if (b.contains(w)) common++;
        return (double) common / (a.size() + b.size() - common);
    }
}
