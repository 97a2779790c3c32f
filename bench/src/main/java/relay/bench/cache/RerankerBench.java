package relay.bench.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import relay.bench.cache.CacheQualityBench.Choice;
import relay.bench.cache.CacheQualityBench.Chosen;
import relay.bench.cache.CacheQualityBench.Method;
import relay.bench.cache.CacheQualityBench.Point;
import relay.embeddings.OnnxEmbedder;
import relay.embeddings.SimilarityJudge;

/**
 * A small learned re-ranker for the semantic cache, on the protocol of {@link CacheQualityBench}
 * (store every {@code a}, query with every {@code b}, same halves, seed {@value CacheQualityBench#SPLIT_SEED}).
 *
 * <p>Each query's top-5 stored entries by bge cosine, those at cosine 0.85 or more, are scored by a
 * classifier; the hit is the best-scoring candidate whose probability reaches the threshold. The
 * classifier is trained on the tuning half only: each tuning pair's own (a, b) with its label, and the
 * retrieved candidates of tuning queries that are tuning-half entries (another pair's entry is a negative
 * unless its words equal the query's, or the own entry's for a duplicate pair). Held-out texts and labels
 * are never used for training or for the threshold.
 *
 * <p>The threshold is chosen by {@link CacheQualityBench}'s rule on out-of-fold probabilities of the tuning
 * half (the tuning half split in {@code --folds} parts, each scored by a model trained on the others), then
 * a model trained on the whole tuning half scores the held-out half at that threshold.
 *
 * <p>Models (see {@link #VARIANTS}): logistic regression and one-hidden-layer MLPs ({@link PairModel}), boosted
 * trees ({@link Gbdt}); features ({@link PairFeatures}): text-only (cosine, lexical, the judge's check
 * outcomes), plus SBERT-style {@code |u - v|}, {@code u * v} of bge and/or MiniLM vectors, MiniLM's cosine, or
 * hashed one-side-only words. Results and conclusions: shared/embeddings/README.md ("Learned re-ranker").
 *
 * <p>Usage: {@code RerankerBench [qqp-dev.jsonl] --reuse-vectors DIR [--output FILE] [--variants a,b,…] [--folds 4]
 * [--in-sample-diagnostic]}; the output defaults to {@code bench/target/reranker.json}. DIR holds the vectors
 * {@code CacheQualityBench --reuse-vectors DIR} wrote (else both models embed the 40,000 questions first).
 * {@code --in-sample-diagnostic} trains the final model on the held-out half itself: a capacity check only,
 * its held-out figures are not results.
 */
public final class RerankerBench {
    static final double MIN_COSINE = 0.85;
    static final int TOP_K = CacheQualityBench.TOP_K;
    static final List<Double> GRID = grid();

    private RerankerBench() {}

    /** One way to re-rank: which features, which model, how it trains. */
    record Variant(String name, boolean lexical, int embedders, int hashBuckets, int hidden, int epochs, double learningRate,
                   double l2, double ownMinCosine, double otherNegativeWeight, boolean veto, int trees, boolean cosinesOnly) {
        Variant(String name, boolean lexical, int embedders, int hashBuckets, int hidden, int epochs, double learningRate,
                double l2, double ownMinCosine, double otherNegativeWeight, boolean veto) {
            this(name, lexical, embedders, hashBuckets, hidden, epochs, learningRate, l2, ownMinCosine, otherNegativeWeight, veto, 0, false);
        }

        /** Boosted trees over the cosine of each embedder and the lexical features ({@code hidden} is the trees' depth, {@code learningRate} the shrinkage). */
        static Variant trees(String name, int embedders, int trees, int depth, double shrinkage, boolean veto) {
            return new Variant(name, true, embedders, 0, depth, 0, shrinkage, 1.0, 0, 1, veto, trees, true);
        }

        Variant(String name, boolean lexical, int embedders, int hashBuckets, int hidden, int epochs, double learningRate,
                double l2, double ownMinCosine, double otherNegativeWeight) {
            this(name, lexical, embedders, hashBuckets, hidden, epochs, learningRate, l2, ownMinCosine, otherNegativeWeight, false, 0, false);
        }

        PairFeatures features(int dims) {
            return new PairFeatures(lexical, embedders, dims, hashBuckets, cosinesOnly);
        }
    }

    /** A trained model: the probability that a pair asks the same question. */
    interface Classifier {
        double probability(float[] raw, int[] sparse);

        int parameters();
    }

    static final Map<String, Variant> VARIANTS = new LinkedHashMap<>();

    static {
        // logistic regression (hidden 0), one-hidden-layer MLPs, boosted trees; "text": cosine + lexical + check outcomes only
        // (computable from the two prompts and the cosine); "bge"/"both": plus |u - v| and u * v of bge (and MiniLM) vectors;
        // "2cos": plus MiniLM's cosine only; "hash": plus hashed one-side-only words; "veto": the default checks still veto
        add(new Variant("lr-text", true, 0, 0, 0, 30, 0.01, 1e-4, 0, 1));
        add(new Variant("lr-text-veto", true, 0, 0, 0, 30, 0.01, 1e-4, 0, 1, true));
        add(new Variant("lr-text-hash", true, 0, 4096, 0, 30, 0.01, 1e-4, 0, 1));
        add(new Variant("lr-bge", true, 1, 0, 0, 30, 0.003, 1e-4, 0, 1));
        add(new Variant("lr-bge-l2-1e-3", true, 1, 0, 0, 30, 0.003, 1e-3, 0, 1));
        add(new Variant("lr-bge-veto", true, 1, 0, 0, 30, 0.003, 1e-4, 0, 1, true));
        add(new Variant("lr-bge-veto-l2-1e-2", true, 1, 0, 0, 30, 0.003, 1e-2, 0, 1, true));
        add(new Variant("lr-bge-veto-l2-3e-2", true, 1, 0, 0, 30, 0.003, 3e-2, 0, 1, true));
        add(new Variant("lr-bge-hash", true, 1, 4096, 0, 30, 0.003, 1e-4, 0, 1));
        add(new Variant("lr-bge-near", true, 1, 0, 0, 30, 0.003, 1e-4, 0.80, 1)); // own pairs only from cosine 0.80
        add(new Variant("lr-bge-ownonly", true, 1, 0, 0, 30, 0.003, 1e-4, 0, 0)); // no retrieved negatives
        add(new Variant("lr-both", true, 2, 0, 0, 30, 0.003, 1e-4, 0, 1));
        add(new Variant("lr-both-veto", true, 2, 0, 0, 30, 0.003, 1e-4, 0, 1, true));
        add(new Variant("lr-both-veto-l2-1e-2", true, 2, 0, 0, 30, 0.003, 1e-2, 0, 1, true));
        add(new Variant("mlp16-text", true, 0, 0, 16, 30, 0.003, 1e-4, 0, 1));
        add(new Variant("mlp64-text-hash", true, 0, 4096, 64, 20, 0.001, 1e-4, 0, 1));
        add(new Variant("mlp16-bge-l2-1e-3", true, 1, 0, 16, 8, 0.001, 1e-3, 0, 1));
        add(new Variant("mlp64-bge", true, 1, 0, 64, 20, 0.001, 1e-4, 0, 1));
        add(new Variant("mlp64-bge-hash", true, 1, 4096, 64, 20, 0.001, 1e-4, 0, 1));
        add(new Variant("mlp16-both-l2-1e-3", true, 2, 0, 16, 8, 0.001, 1e-3, 0, 1));
        add(new Variant("mlp32-both-veto-l2-1e-2", true, 2, 0, 32, 10, 0.001, 1e-2, 0, 1, true));
        add(new Variant("mlp64-both", true, 2, 0, 64, 20, 0.001, 1e-4, 0, 1));
        add(Variant.trees("gbdt-text", 0, 300, 4, 0.05, false));
        add(Variant.trees("gbdt-text-veto", 0, 300, 4, 0.05, true));
        add(Variant.trees("gbdt-text-d5", 0, 300, 5, 0.03, false));
        add(Variant.trees("gbdt-2cos", 2, 300, 4, 0.05, false));
        add(Variant.trees("gbdt-2cos-veto", 2, 300, 4, 0.05, true));
        add(Variant.trees("gbdt-2cos-d3", 2, 600, 3, 0.03, false));
        add(Variant.trees("gbdt-2cos-d5", 2, 300, 5, 0.03, false));
        add(Variant.trees("gbdt-2cos-d4-slow", 2, 800, 4, 0.02, false));
    }

    private static void add(Variant v) {
        VARIANTS.put(v.name(), v);
    }

    /** All (query, stored entry) pairs that are ever scored or trained on, with their bge cosine and label. */
    static final class PairTable {
        final int[] q, s;
        final float[] cos;
        final boolean[] label, candidate;

        PairTable(int[] q, int[] s, float[] cos, boolean[] label, boolean[] candidate) {
            this.q = q;
            this.s = s;
            this.cos = cos;
            this.label = label;
            this.candidate = candidate;
        }

        int size() {
            return q.length;
        }
    }

    public static void main(String[] args) throws IOException {
        Path data = Path.of("../shared/data/qqp-dev.jsonl");
        Path output = Path.of("bench/target/reranker.json");
        Path reuse = null;
        int folds = 4;
        boolean inSample = false;
        List<String> names = new ArrayList<>(VARIANTS.keySet());
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--output" -> output = Path.of(args[++i]);
                case "--reuse-vectors" -> reuse = Path.of(args[++i]);
                case "--folds" -> folds = Integer.parseInt(args[++i]);
                case "--in-sample-diagnostic" -> inSample = true;
                case "--variants" -> names = Arrays.asList(args[++i].split(","));
                default -> data = Path.of(args[i]);
            }
        }
        QqpPairs pairs = QqpPairs.read(data);
        int n = pairs.size();
        boolean[] tuning = CacheQualityBench.split(n);
        System.out.printf(Locale.ROOT, "Quora Question Pairs: %d pairs, %d duplicates; halves by seed %d; %d folds on the tuning half%n",
                n, pairs.duplicates(), CacheQualityBench.SPLIT_SEED, folds);
        boolean needMini = names.stream().anyMatch(v -> VARIANTS.get(v).embedders() > 1);
        EmbeddedPairs bge = EmbeddedPairs.embed(pairs, OnnxEmbedder.Model.BGE_SMALL_EN_V15_Q, 500, reuse);
        EmbeddedPairs mini = needMini ? EmbeddedPairs.embed(pairs, OnnxEmbedder.Model.ALL_MINILM_L6_V2_Q, 500, reuse) : null;
        TopK top = TopK.search(bge.a, bge.b, TOP_K);

        PairFeatures.Lex[] aLex = new PairFeatures.Lex[n], bLex = new PairFeatures.Lex[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            aLex[i] = new PairFeatures.Lex(pairs.get(i).a());
            bLex[i] = new PairFeatures.Lex(pairs.get(i).b());
        });
        PairTable table = pairTable(pairs, top, bge, aLex, bLex);
        int[] fold = folds(tuning, folds);
        boolean[] vetoed = new boolean[table.size()];
        for (int i = 0; i < table.size(); i++) {
            vetoed[i] = SimilarityJudge.DEFAULT.disagreement(aLex[table.s[i]].text, bLex[table.q[i]].text).isPresent();
        }
        System.out.printf(Locale.ROOT, "%d (query, entry) pairs: own pairs and top-%d candidates at cosine >= %.2f%n", table.size(), TOP_K, MIN_COSINE);

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("data", data.toString());
        report.put("protocol", "store every a, query every b; top-5 by bge cosine at >= 0.85 scored by the re-ranker; hit = best probability >= threshold;"
                + " trained on the tuning half (own pairs + tuning-half candidates), threshold chosen on out-of-fold tuning probabilities, figures on the held-out half");
        report.put("split_seed", CacheQualityBench.SPLIT_SEED);
        report.put("folds", folds);
        Map<String, Object> baseline = baseline(pairs, top, tuning);
        report.put("baseline", baseline);
        double matchRecall = ((Point) baseline.get("held_out")).recall();
        List<Map<String, Object>> variants = new ArrayList<>();
        report.put("variants", variants);
        List<String> summary = new ArrayList<>();
        for (String name : names) {
            Variant v = VARIANTS.get(name);
            if (v == null) throw new IllegalArgumentException("unknown variant " + name + " " + VARIANTS.keySet());
            long t0 = System.nanoTime();
            PairFeatures f = v.features(bge.dims);
            float[][] x = new float[table.size()][];
            int[][] sp = new int[table.size()][];
            IntStream.range(0, table.size()).parallel().forEach(i -> {
                int q = table.q[i], s = table.s[i];
                x[i] = v.embedders() == 0 ? f.dense(aLex[s], bLex[q], table.cos[i])
                        : v.embedders() == 1 ? f.dense(aLex[s], bLex[q], table.cos[i], bge.a[s], bge.b[q])
                        : f.dense(aLex[s], bLex[q], table.cos[i], bge.a[s], bge.b[q], mini.a[s], mini.b[q]);
                sp[i] = f.sparse(aLex[s], bLex[q]);
            });
            double[] prob = new double[table.size()];
            Arrays.fill(prob, Double.NaN);
            Classifier last = null;
            for (int k = 0; k <= folds; k++) {
                final int held = k, whole = folds; // k < folds: out-of-fold on the tuning half; k == folds: whole tuning half -> held-out half
                boolean[] trainQ = new boolean[n];
                for (int i = 0; i < n; i++) trainQ[i] = tuning[i] && (held == folds || fold[i] != held);
                if (inSample && held == folds) for (int i = 0; i < n; i++) trainQ[i] = !tuning[i]; // diagnostic only: fit the held-out half itself
                Classifier m = train(v, f, table, x, sp, trainQ);
                last = m;
                IntStream.range(0, table.size()).parallel().forEach(i -> {
                    int q = table.q[i];
                    if (!table.candidate[i]) return;
                    boolean scoreIt = held == whole ? !tuning[q] : tuning[q] && fold[q] == held;
                    if (scoreIt) prob[i] = v.veto() && vetoed[i] ? 0 : m.probability(x[i], sp[i]);
                });
            }
            Chosen chosen = choose(table, prob, n);
            List<Point> tune = CacheQualityBench.curve(pairs, chosen, tuning, true, GRID);
            List<Point> test = CacheQualityBench.curve(pairs, chosen, tuning, false, GRID);
            Choice c = CacheQualityBench.pick("bge-small-en-v1.5-q", new Method(name, SimilarityJudge.Settings.cosineOnly(0), TOP_K), tune, test);
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            double[] micros = timing(v, f, last, table, aLex, bLex, pairs, bge, mini);
            Point matched = atRecall(test, matchRecall);
            String line = String.format(Locale.ROOT, "%-18s params %6d  %s | post hoc, held-out at recall >= %.3f: t=%.3f own %.3f P %.3f R %.3f"
                            + " | %.1f µs/candidate (%.1f with text analysis) [%.0f s]",
                    name, last.parameters(), describe(c), matchRecall, matched.threshold(), matched.ownEntryPrecision(), matched.precision(),
                    matched.recall(), micros[0], micros[1], trainSeconds);
            if (inSample) line = "IN-SAMPLE DIAGNOSTIC (held-out half fitted on itself) " + line;
            System.out.println(line);
            summary.add(line);
            printCurve(tune, test);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("variant", v);
            m.put("parameters", last.parameters());
            m.put("score_us_per_candidate_features_ready", round(micros[0], 2));
            m.put("score_us_per_candidate_with_text_analysis", round(micros[1], 2));
            m.put("training_rows_whole_tuning_half", trainingRows(v, table, tuning));
            m.put("choice", c);
            m.put("held_out_at_default_recall_post_hoc", matched);
            m.put("curve_tuning_out_of_fold", tune);
            m.put("curve_held_out", test);
            variants.add(m);
            writeReport(output, report);
        }
        System.out.println();
        summary.forEach(System.out::println);
        writeReport(output, report);
        System.out.println("Wrote " + output);
    }

    /** The highest threshold whose recall is still at least {@code recall} (for comparing curves at equal recall; chosen after the fact). */
    static Point atRecall(List<Point> curve, double recall) {
        Point best = null;
        for (Point p : curve) if (p.recall() >= recall - 1e-9 && p.hits() >= CacheQualityBench.MIN_HITS) best = p;
        return best;
    }

    private static int trainingRows(Variant v, PairTable t, boolean[] tuning) {
        int rows = 0;
        for (int i = 0; i < t.size(); i++) {
            int q = t.q[i], s = t.s[i];
            if (!tuning[q]) continue;
            if (s == q ? t.cos[i] >= v.ownMinCosine() : tuning[s] && v.otherNegativeWeight() > 0) rows++;
        }
        return rows;
    }

    private static void writeReport(Path output, Map<String, Object> report) throws IOException {
        Path out = output.toAbsolutePath();
        Files.createDirectories(out.getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
    }

    static Classifier train(Variant v, PairFeatures f, PairTable t, float[][] x, int[][] sp, boolean[] trainQ) {
        List<Integer> rows = new ArrayList<>();
        List<Float> weights = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            int q = t.q[i], s = t.s[i];
            if (!trainQ[q]) continue;
            if (s == q) {
                if (t.cos[i] >= v.ownMinCosine()) {
                    rows.add(i);
                    weights.add(1f);
                }
            } else if (trainQ[s] && v.otherNegativeWeight() > 0) { // another tuning-half entry among the candidates
                rows.add(i);
                weights.add((float) (t.label[i] ? 1 : v.otherNegativeWeight()));
            }
        }
        int r = rows.size();
        float[][] rx = new float[r][];
        int[][] rsp = new int[r][];
        boolean[] ry = new boolean[r];
        float[] rw = new float[r];
        for (int k = 0; k < r; k++) {
            int i = rows.get(k);
            rx[k] = x[i];
            rsp[k] = sp[i];
            ry[k] = t.label[i];
            rw[k] = weights.get(k);
        }
        if (v.trees() > 0) {
            Gbdt g = new Gbdt(v.trees(), v.hidden(), 32, v.learningRate(), v.l2(), 5.0);
            g.fit(rx, ry, rw);
            return new Classifier() {
                public double probability(float[] raw, int[] sparse) {
                    return g.probability(raw);
                }

                public int parameters() {
                    return g.parameters();
                }
            };
        }
        PairModel m = new PairModel(f.denseSize(), f.hashBuckets, v.hidden(), 7);
        m.fit(rx, rsp, ry, rw, new PairModel.Options(v.epochs(), 256, v.learningRate(), v.l2(), 11));
        return m;
    }

    static PairTable pairTable(QqpPairs pairs, TopK top, EmbeddedPairs bge, PairFeatures.Lex[] aLex, PairFeatures.Lex[] bLex) {
        int n = pairs.size();
        List<int[]> qs = new ArrayList<>();
        List<Float> cs = new ArrayList<>();
        List<Boolean> cand = new ArrayList<>();
        for (int q = 0; q < n; q++) {
            boolean ownSeen = false;
            for (int c = 0; c < TOP_K; c++) {
                int s = top.index[q][c];
                if (s < 0 || top.cosine[q][c] < MIN_COSINE) break;
                qs.add(new int[] {q, s});
                cs.add(top.cosine[q][c]);
                cand.add(true);
                if (s == q) ownSeen = true;
            }
            if (!ownSeen) {
                qs.add(new int[] {q, q});
                cs.add((float) OnnxEmbedder.cosine(bge.a[q], bge.b[q]));
                cand.add(false);
            }
        }
        int m = qs.size();
        int[] q = new int[m], s = new int[m];
        float[] cos = new float[m];
        boolean[] label = new boolean[m], candidate = new boolean[m];
        for (int i = 0; i < m; i++) {
            q[i] = qs.get(i)[0];
            s[i] = qs.get(i)[1];
            cos[i] = cs.get(i);
            candidate[i] = cand.get(i);
            if (s[i] == q[i]) label[i] = pairs.get(q[i]).duplicate();
            else label[i] = bLex[q[i]].seq.equals(aLex[s[i]].seq) || (pairs.get(q[i]).duplicate() && aLex[q[i]].seq.equals(aLex[s[i]].seq));
        }
        return new PairTable(q, s, cos, label, candidate);
    }

    /** For each query: the candidate of highest probability (negative infinity when none was scored). */
    static Chosen choose(PairTable t, double[] prob, int n) {
        double[] score = new double[n];
        int[] entry = new int[n];
        Arrays.fill(score, Double.NEGATIVE_INFINITY);
        Arrays.fill(entry, -1);
        for (int i = 0; i < t.size(); i++) {
            if (!t.candidate[i] || Double.isNaN(prob[i])) continue;
            int q = t.q[i];
            if (prob[i] > score[q]) {
                score[q] = prob[i];
                entry[q] = t.s[i];
            }
        }
        return new Chosen(score, entry);
    }

    static int[] folds(boolean[] tuning, int k) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < tuning.length; i++) if (tuning[i]) ids.add(i);
        Collections.shuffle(ids, new Random(424242));
        int[] fold = new int[tuning.length];
        Arrays.fill(fold, -1);
        for (int i = 0; i < ids.size(); i++) fold[ids.get(i)] = i % k;
        return fold;
    }

    /**
     * µs per candidate, one thread, the fastest of 5 passes over 20,000 candidates: [0] features from analysed texts and
     * ready vectors + model; [1] also analysing both texts (what a scorer given two strings does). Embedding is not included.
     */
    static double[] timing(Variant v, PairFeatures f, Classifier m, PairTable t, PairFeatures.Lex[] aLex, PairFeatures.Lex[] bLex,
                           QqpPairs pairs, EmbeddedPairs bge, EmbeddedPairs mini) {
        int count = Math.min(20_000, t.size());
        double sink = 0;
        double[] out = new double[2];
        out[0] = out[1] = Double.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                int q = t.q[i], s = t.s[i];
                float[] x = v.embedders() == 0 ? f.dense(aLex[s], bLex[q], t.cos[i])
                        : v.embedders() == 1 ? f.dense(aLex[s], bLex[q], t.cos[i], bge.a[s], bge.b[q])
                        : f.dense(aLex[s], bLex[q], t.cos[i], bge.a[s], bge.b[q], mini.a[s], mini.b[q]);
                sink += m.probability(x, f.sparse(aLex[s], bLex[q]));
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                int q = t.q[i], s = t.s[i];
                PairFeatures.Lex a = new PairFeatures.Lex(pairs.get(s).a()), b = new PairFeatures.Lex(pairs.get(q).b());
                float[] x = v.embedders() == 0 ? f.dense(a, b, t.cos[i])
                        : v.embedders() == 1 ? f.dense(a, b, t.cos[i], bge.a[s], bge.b[q])
                        : f.dense(a, b, t.cos[i], bge.a[s], bge.b[q], mini.a[s], mini.b[q]);
                sink += m.probability(x, f.sparse(a, b));
            }
            long t2 = System.nanoTime();
            out[0] = Math.min(out[0], (t1 - t0) / 1e3 / count);
            out[1] = Math.min(out[1], (t2 - t1) / 1e3 / count);
        }
        if (sink == 42) System.out.print("");
        return out;
    }

    /** The current default on the same halves, for reference. */
    static Map<String, Object> baseline(QqpPairs pairs, TopK top, boolean[] tuning) {
        int n = pairs.size();
        SimilarityJudge.Text[] a = new SimilarityJudge.Text[n], b = new SimilarityJudge.Text[n];
        for (int i = 0; i < n; i++) {
            a[i] = SimilarityJudge.Text.of(pairs.get(i).a());
            b[i] = SimilarityJudge.Text.of(pairs.get(i).b());
        }
        Chosen c = CacheQualityBench.choose(new Method("default", SimilarityJudge.DEFAULT_SETTINGS, TOP_K), top, a, b);
        List<Double> t = List.of(SimilarityJudge.DEFAULT_SETTINGS.threshold());
        Point tune = CacheQualityBench.curve(pairs, c, tuning, true, t).get(0);
        Point test = CacheQualityBench.curve(pairs, c, tuning, false, t).get(0);
        List<Point> tuneCurve = CacheQualityBench.curve(pairs, c, tuning, true, CacheQualityBench.GRID);
        List<Point> testCurve = CacheQualityBench.curve(pairs, c, tuning, false, CacheQualityBench.GRID);
        System.out.printf(Locale.ROOT, "SimilarityJudge.DEFAULT (t=%.3f): tuning P %.3f (own %.3f) R %.3f -> held-out P %.3f (own %.3f) R %.3f%n",
                SimilarityJudge.DEFAULT_SETTINGS.threshold(), tune.precision(), tune.ownEntryPrecision(), tune.recall(),
                test.precision(), test.ownEntryPrecision(), test.recall());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", "SimilarityJudge.DEFAULT: bge cosine + default checks, top 5, cosine threshold " + SimilarityJudge.DEFAULT_SETTINGS.threshold());
        m.put("tuning", tune);
        m.put("held_out", test);
        m.put("curve_tuning", tuneCurve);
        m.put("curve_held_out", testCurve);
        return m;
    }

    private static String describe(Choice c) {
        if (c.tuning() == null) return "recall < " + CacheQualityBench.RECALL_FLOOR + " everywhere";
        return String.format(Locale.ROOT, "t=%.3f: tune P %.3f (own %.3f) R %.3f -> held-out P %.3f (own %.3f) R %.3f",
                c.tuning().threshold(), c.tuning().precision(), c.tuning().ownEntryPrecision(), c.tuning().recall(),
                c.heldOut().precision(), c.heldOut().ownEntryPrecision(), c.heldOut().recall());
    }

    private static void printCurve(List<Point> tune, List<Point> test) {
        StringBuilder sb = new StringBuilder("    t      tuning P/own/R          held-out P/own/R\n");
        for (int i = 0; i < tune.size(); i++) {
            Point a = tune.get(i), b = test.get(i);
            double t = a.threshold();
            boolean show = (t >= 0.3 && Math.round(t * 1000) % 50 == 0) || t >= 0.9 && Math.round(t * 1000) % 10 == 0 || t > 0.99;
            if (!show) continue;
            sb.append(String.format(Locale.ROOT, "  %.3f   %.3f/%.3f/%.3f     %.3f/%.3f/%.3f%n", t, a.precision(), a.ownEntryPrecision(), a.recall(),
                    b.precision(), b.ownEntryPrecision(), b.recall()));
        }
        System.out.print(sb);
    }

    private static List<Double> grid() {
        List<Double> g = new ArrayList<>();
        for (int i = 10; i <= 198; i++) g.add(i * 5 / 1000.0);
        for (int i = 991; i <= 999; i++) g.add(i / 1000.0);
        return Collections.unmodifiableList(g);
    }

    private static double round(double x, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(x * f) / f;
    }
}
