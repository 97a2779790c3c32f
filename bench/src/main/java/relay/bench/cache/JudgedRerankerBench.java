package relay.bench.cache;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import relay.embeddings.OnnxEmbedder;
import relay.embeddings.SimilarityJudge;
import relay.embeddings.SimilarityJudge.Settings;
import relay.embeddings.SimilarityJudge.Text;
import relay.embeddings.SimilarityJudge.Wording;

/**
 * A small learned model against the judged development set's verdicts, to compare with the rule-based default:
 * a classifier over the cosine, {@link PairFeatures}' lexical features and check outcomes (all nine checks), and
 * the four wording differences the default penalises, trained on the tuning part's judged (query, entry) pairs.
 *
 * <p>The cache's protocol: a query's 5 nearest stored entries at cosine 0.90 or more, in cosine order; the
 * first whose probability reaches the threshold is served. The threshold is chosen like the rules' was on the
 * tuning part alone: the lowest on a grid at which out-of-fold (4 folds) wrong answers stay at or below
 * {@value #MAX_WRONG} there and at every higher threshold with at least {@value #MIN_HITS} hits. A model trained on the whole tuning part then serves
 * the held-out and confirmation parts at that threshold. Hits on unjudged entries count as wrong, as in
 * {@link JudgedQuality}.
 *
 * <p>Usage: {@code JudgedRerankerBench [qqp-dev.jsonl] --reuse-vectors DIR [--judged FILE]}.
 */
public final class JudgedRerankerBench {
    static final double MAX_WRONG = 0.015;
    static final double MIN_COSINE = 0.90;
    static final int FOLDS = 4;
    static final int MIN_HITS = 50;

    private JudgedRerankerBench() {}

    record Model(String name, int hidden, int epochs, double learningRate, double l2) {}

    static final List<Model> MODELS = List.of(
            new Model("logistic regression", 0, 60, 0.01, 1e-4),
            new Model("MLP, 16 hidden units", 16, 60, 0.003, 1e-4));

    public static void main(String[] args) throws IOException {
        Path data = Path.of("../shared/data/qqp-dev.jsonl");
        Path judgedFile = JudgedPairs.DEFAULT_FILE;
        Path reuse = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reuse-vectors" -> reuse = Path.of(args[++i]);
                case "--judged" -> judgedFile = Path.of(args[++i]);
                default -> data = Path.of(args[i]);
            }
        }
        QqpPairs pairs = QqpPairs.read(data);
        JudgedPairs judged = JudgedPairs.read(judgedFile);
        EmbeddedPairs vectors = EmbeddedPairs.embed(pairs, OnnxEmbedder.DEFAULT_MODEL, 500, reuse);
        TopK top = TopK.search(vectors, CacheQualityBench.TOP_K, reuse);
        Map<Long, JudgedPairs.Judged> verdicts = judged.byKey();
        PairFeatures features = new PairFeatures(true, 0, 0, 0, false);

        // Every judged query's candidates at cosine 0.90 or more, with their features and (when judged) verdicts.
        List<Candidate> all = new ArrayList<>();
        for (JudgedPairs.Part part : JudgedPairs.Part.values()) {
            for (int q : JudgedQuality.queries(judged, part)) {
                PairFeatures.Lex b = new PairFeatures.Lex(pairs.get(q).b());
                for (int c = 0; c < top.index[q].length; c++) {
                    int s = top.index[q][c];
                    if (s < 0 || top.cosine[q][c] < MIN_COSINE) continue;
                    PairFeatures.Lex a = new PairFeatures.Lex(pairs.get(s).a());
                    JudgedPairs.Judged v = verdicts.get(JudgedPairs.key(q, s));
                    all.add(new Candidate(part, q, s, c, features(features, a, b, top.cosine[q][c]), v == null ? null : v.yes()));
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d candidates at cosine >= %.2f of %d judged queries; features: %d%n", all.size(), MIN_COSINE,
                judged.pairs().stream().map(JudgedPairs.Judged::query).distinct().count(), all.get(0).x.length);

        List<Double> grid = new ArrayList<>();
        for (int i = 0; i <= 199; i++) grid.add(Math.round((0.005 * i) * 1000) / 1000.0);
        for (Model m : MODELS) {
            // out-of-fold probabilities on the tuning part, by query
            List<Candidate> tuning = all.stream().filter(c -> c.part == JudgedPairs.Part.TUNING).toList();
            double[] oof = new double[tuning.size()];
            for (int f = 0; f < FOLDS; f++) {
                final int fold = f;
                PairModel model = train(m, tuning.stream().filter(c -> Math.floorMod(c.query * 31, FOLDS) != fold).toList());
                for (int i = 0; i < tuning.size(); i++) {
                    if (Math.floorMod(tuning.get(i).query * 31, FOLDS) == fold) oof[i] = model.probability(tuning.get(i).x, new int[0]);
                }
            }
            List<double[]> tuningCurve = curve(tuning, oof, judged, JudgedPairs.Part.TUNING, grid);
            Double chosen = null;
            for (int i = tuningCurve.size() - 1; i >= 0; i--) {
                double[] p = tuningCurve.get(i);
                if (p[1] < MIN_HITS) continue; // a single wrong answer among a handful of hits says little
                if (p[2] <= MAX_WRONG) chosen = p[0]; else break;
            }
            PairModel model = train(m, tuning);
            System.out.printf(Locale.ROOT, "%n%s (%d parameters): threshold chosen on the tuning part (out of fold): %s%n", m.name(),
                    model.parameters(), chosen == null ? "none" : String.format(Locale.ROOT, "%.3f", chosen));
            if (chosen == null) {
                double[] best = null;
                for (double[] p : tuningCurve) if (p[1] >= MIN_HITS && (best == null || p[2] < best[2])) best = p;
                if (best != null) {
                    System.out.printf(Locale.ROOT, "  fewest wrong answers out of fold with %d hits or more: %.3f, recall %.3f, at %.3f%n",
                            MIN_HITS, best[2], best[3], best[0]);
                }
                continue;
            }
            double[] t = at(tuningCurve, chosen);
            System.out.printf(Locale.ROOT, "  %-12s wrong %.3f recall %.3f (%d hits, out of fold)%n", "tuning", t[2], t[3], (int) t[1]);
            for (JudgedPairs.Part part : List.of(JudgedPairs.Part.HELD_OUT, JudgedPairs.Part.CONFIRMATION)) {
                List<Candidate> cs = all.stream().filter(c -> c.part == part).toList();
                double[] p = new double[cs.size()];
                for (int i = 0; i < cs.size(); i++) p[i] = model.probability(cs.get(i).x, new int[0]);
                double[] r = at(curve(cs, p, judged, part, List.of(chosen)), chosen);
                System.out.printf(Locale.ROOT, "  %-12s wrong %.3f recall %.3f (%d hits, %d wrong)%n", part.label, r[2], r[3], (int) r[1],
                        Math.round(r[2] * r[1]));
            }
        }
    }

    private record Candidate(JudgedPairs.Part part, int query, int entry, int rank, float[] x, Boolean yes) {}

    private static PairModel train(Model m, List<Candidate> rows) {
        List<Candidate> labelled = rows.stream().filter(c -> c.yes != null).toList();
        float[][] x = new float[labelled.size()][];
        int[][] sp = new int[labelled.size()][];
        boolean[] y = new boolean[labelled.size()];
        float[] w = new float[labelled.size()];
        for (int i = 0; i < labelled.size(); i++) {
            x[i] = labelled.get(i).x.clone();
            sp[i] = new int[0];
            y[i] = labelled.get(i).yes;
            w[i] = 1;
        }
        PairModel model = new PairModel(x[0].length, 0, m.hidden(), 7);
        model.fit(x, sp, y, w, new PairModel.Options(m.epochs(), 64, m.learningRate(), m.l2(), 11));
        return model;
    }

    /** (threshold, hits, wrong rate, recall) at each threshold, the cache's protocol: first candidate in cosine order at or above it. */
    private static List<double[]> curve(List<Candidate> cs, double[] p, JudgedPairs judged, JudgedPairs.Part part, List<Double> grid) {
        java.util.Set<Integer> answerable = new java.util.HashSet<>();
        for (JudgedPairs.Judged j : judged.pairs()) if (j.part() == part && j.yes()) answerable.add(j.query());
        Map<Integer, List<Integer>> byQuery = new java.util.TreeMap<>();
        for (int i = 0; i < cs.size(); i++) byQuery.computeIfAbsent(cs.get(i).query, k -> new ArrayList<>()).add(i);
        List<double[]> out = new ArrayList<>();
        for (double t : grid) {
            int hits = 0, wrong = 0, correct = 0;
            for (List<Integer> idx : byQuery.values()) {
                idx.sort((i, j) -> Integer.compare(cs.get(i).rank, cs.get(j).rank));
                for (int i : idx) {
                    if (p[i] < t - 1e-12) continue;
                    hits++;
                    if (Boolean.TRUE.equals(cs.get(i).yes)) correct++; else wrong++;
                    break;
                }
            }
            out.add(new double[] {t, hits, hits == 0 ? 0 : (double) wrong / hits, (double) correct / answerable.size()});
        }
        return out;
    }

    private static double[] at(List<double[]> curve, double t) {
        for (double[] p : curve) if (Math.abs(p[0] - t) < 1e-9) return p;
        throw new IllegalArgumentException("no point at " + t);
    }

    private static final SimilarityJudge[] WORDING = {
            wording(new Wording(1, 0, 0, 0)), wording(new Wording(0, 1, 0, 0)), wording(new Wording(0, 0, 1, 0)), wording(new Wording(0, 0, 0, 1))};

    private static SimilarityJudge wording(Wording w) {
        return new SimilarityJudge(Settings.cosineOnly(0).withWording(w));
    }

    private static float[] features(PairFeatures f, PairFeatures.Lex a, PairFeatures.Lex b, double cosine) {
        float[] lexical = f.dense(a, b, cosine);
        float[] x = java.util.Arrays.copyOf(lexical, lexical.length + WORDING.length);
        Text ta = a.text, tb = b.text;
        for (int i = 0; i < WORDING.length; i++) x[lexical.length + i] = (float) (cosine - WORDING[i].score(ta, tb, cosine));
        return x;
    }
}
