package relay.bench.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import relay.embeddings.OnnxEmbedder;
import relay.embeddings.SimilarityJudge;
import relay.embeddings.SimilarityJudge.Text;

/**
 * What the semantic cache would serve to the queries of the judged development set
 * ({@link JudgedPairs}): how many of its hits are wrong answers, and how many of the answerable
 * queries it answers, for the previous default judge and the current one, in one run.
 *
 * <p>Protocol: side {@code a} of all 20,000 Quora pairs is stored; the {@code b} of each judged pair
 * queries it. As the cache does, the judge scores the query's 5 nearest stored entries (by bge cosine) in
 * cosine order and the first whose score reaches the threshold is served (a hit). A hit is <b>correct</b> when (query, entry) was judged yes,
 * <b>wrong</b> when it was judged no <i>or was never judged</i>. For each part (tuning, held-out, confirmation):
 * <ul>
 *   <li>wrong-answer rate = wrong hits / hits;</li>
 *   <li>recall = correct hits / answerable queries (those with at least one entry judged yes).</li>
 * </ul>
 *
 * <p>Usage: {@code JudgedQuality [qqp-dev.jsonl] --reuse-vectors DIR [--judged FILE] [--output FILE]
 * [--errors FILE --part tuning|held-out|confirmation [--errors-threshold T]]}: {@code --errors} writes that part's wrong
 * hits and missed answerable queries of the current default (at its threshold, or T), one JSON line each, to
 * read what the judge gets wrong.
 */
public final class JudgedQuality {
    /** Thresholds reported in the table; the current default is among them. */
    static final double[] SHOWN = {0.90, 0.92, 0.93, 0.94, 0.945, 0.95, 0.955, 0.96, 0.965, 0.97, 0.98};
    static final List<Double> GRID = CacheQualityBench.GRID;

    private JudgedQuality() {}

    /** How a judge ranks a stored entry for a query: higher is better, negative infinity is a veto. */
    @FunctionalInterface
    interface Ranker {
        double rank(int stored, int query, double cosine);
    }

    /**
     * A judge as the bench runs it: its name, its default threshold, its ranking (texts analysed once) and
     * the cache's own call ({@code fresh}: both texts analysed on every call, as the cache's scorer does).
     */
    record Judge(String name, double defaultThreshold, Ranker ranker, FreshScorer fresh) {}

    @FunctionalInterface
    interface FreshScorer {
        double score(String cached, String prompt, double cosine);
    }

    /** Figures at one threshold over one part of the judged set. */
    record Point(double threshold, int queries, int answerable, int hits, int correct, int wrong, int unjudged,
                 double wrongRate, double recall) {}

    /** The previous default and the current one. */
    static List<Judge> judges(QqpPairs pairs) {
        int n = pairs.size();
        PreviousJudge.Text[] pa = new PreviousJudge.Text[n];
        PreviousJudge.Text[] pb = new PreviousJudge.Text[n];
        Text[] a = new Text[n];
        Text[] b = new Text[n];
        for (int i = 0; i < n; i++) {
            pa[i] = PreviousJudge.Text.of(pairs.get(i).a());
            pb[i] = PreviousJudge.Text.of(pairs.get(i).b());
            a[i] = Text.of(pairs.get(i).a());
            b[i] = Text.of(pairs.get(i).b());
        }
        PreviousJudge before = PreviousJudge.DEFAULT;
        SimilarityJudge after = SimilarityJudge.DEFAULT;
        relay.core.cache.SemanticPolicy policy = relay.embeddings.SemanticCachePolicy.forThreshold(null);
        return List.of(
                new Judge("before: previous default (cosine + 6 checks)", before.settings().threshold(),
                        (s, q, cos) -> before.rankingScore(pa[s], pb[q], cos),
                        (cached, prompt, cos) -> before.rankingScore(PreviousJudge.Text.of(cached), PreviousJudge.Text.of(prompt), cos)),
                new Judge("after: SimilarityJudge.DEFAULT", after.settings().threshold(),
                        (s, q, cos) -> after.rankingScore(a[s], b[q], cos),
                        (cached, prompt, cos) -> policy.score(prompt, cached, cos)));
    }

    /**
     * Each judged query's candidates as the cache sees them: its {@code k} nearest stored entries, best cosine
     * first, with the judge's score of each (negative infinity for a veto).
     */
    record Candidates(int[][] entry, double[][] score) {
        /** The candidate the cache serves at threshold {@code t}: the first, in cosine order, whose score reaches it; -1 for none. */
        int served(int q, double t) {
            double[] s = score[q];
            if (s == null) return -1;
            for (int c = 0; c < s.length; c++) if (s[c] >= t - 1e-9) return c;
            return -1;
        }
    }

    static Candidates candidates(Ranker ranker, TopK top, int k, int[] queries) {
        int n = top.index.length;
        int[][] entries = new int[n][];
        double[][] scores = new double[n][];
        IntStream.of(queries).parallel().forEach(q -> {
            int m = 0;
            while (m < k && top.index[q][m] >= 0) m++;
            entries[q] = java.util.Arrays.copyOf(top.index[q], m);
            scores[q] = new double[m];
            for (int c = 0; c < m; c++) scores[q][c] = ranker.rank(top.index[q][c], q, top.cosine[q][c]);
        });
        return new Candidates(entries, scores);
    }

    static int[] queries(JudgedPairs judged, JudgedPairs.Part part) {
        Set<Integer> qs = new LinkedHashSet<>();
        for (JudgedPairs.Judged j : judged.pairs()) if (j.part() == part) qs.add(j.query());
        return qs.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    static List<Point> curve(Candidates c, JudgedPairs judged, JudgedPairs.Part part, List<Double> grid) {
        Map<Long, JudgedPairs.Judged> verdicts = judged.byKey();
        int[] qs = queries(judged, part);
        Set<Integer> answerable = new java.util.HashSet<>();
        for (JudgedPairs.Judged j : judged.pairs()) if (j.part() == part && j.yes()) answerable.add(j.query());
        List<Point> points = new ArrayList<>();
        for (double t : grid) {
            int hits = 0, correct = 0, wrong = 0, unjudged = 0;
            for (int q : qs) {
                int served = c.served(q, t);
                if (served < 0) continue;
                hits++;
                JudgedPairs.Judged v = verdicts.get(JudgedPairs.key(q, c.entry()[q][served]));
                if (v == null) {
                    wrong++;
                    unjudged++;
                } else if (v.yes()) {
                    correct++;
                } else {
                    wrong++;
                }
            }
            points.add(new Point(t, qs.length, answerable.size(), hits, correct, wrong, unjudged,
                    ratio(wrong, hits), ratio(correct, answerable.size())));
        }
        return points;
    }

    /** Prints the table and returns the figures for the JSON report. */
    static Map<String, Object> report(QqpPairs pairs, TopK top, JudgedPairs judged, Path errors, JudgedPairs.Part errorsPart,
                                      Double errorsThreshold) throws IOException {
        List<Judge> judges = judges(pairs);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("protocol", "store every a; query the b of every judged pair; a judge picks one of the 5 nearest stored entries;"
                + " hit = its score >= threshold; correct = (query, entry) judged yes; wrong = judged no or not judged;"
                + " wrong_rate = wrong / hits; recall = correct / answerable queries (some entry judged yes)");
        r.put("judged_pairs", judged.pairs().size());
        List<Double> grid = new ArrayList<>(GRID);
        for (double t : SHOWN) if (!grid.contains(t)) grid.add(t);
        for (Judge j : judges) if (!grid.contains(j.defaultThreshold())) grid.add(j.defaultThreshold());
        grid.sort(null);
        List<Map<String, Object>> out = new ArrayList<>();
        for (JudgedPairs.Part p : JudgedPairs.Part.values()) {
            int[] qs = queries(judged, p);
            if (qs.length == 0) continue;
            String part = p.label;
            List<Point> sample = null;
            for (Judge j : judges) {
                Candidates c = candidates(j.ranker(), top, CacheQualityBench.TOP_K, qs);
                List<Point> curve = curve(c, judged, p, grid);
                if (sample == null) {
                    sample = curve;
                    System.out.printf(Locale.ROOT, "%nJudged %s part: %d queries, %d answerable (an entry judged yes). Wrong-answer rate / recall:%n%-48s",
                            part, sample.get(0).queries(), sample.get(0).answerable(), "judge");
                    for (double t : SHOWN) System.out.printf(Locale.ROOT, " %-11s", trim(t));
                    System.out.printf(Locale.ROOT, "  at its default%n");
                }
                System.out.printf(Locale.ROOT, "%-48s", j.name());
                for (double t : SHOWN) System.out.printf(Locale.ROOT, " %-11s", cell(at(curve, t)));
                Point d = at(curve, j.defaultThreshold());
                System.out.printf(Locale.ROOT, "  %s: %s (%d hits, %d wrong, %d of them never judged)%n",
                        trim(j.defaultThreshold()), cell(d), d.hits(), d.wrong(), d.unjudged());
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("part", part);
                m.put("judge", j.name());
                m.put("default_threshold", j.defaultThreshold());
                m.put("at_default", d);
                m.put("curve", curve);
                out.add(m);
                if (errors != null && p == errorsPart && j == judges.get(judges.size() - 1)) {
                    writeErrors(pairs, top, judged, c, p, errorsThreshold == null ? j.defaultThreshold() : errorsThreshold, errors);
                }
            }
        }
        r.put("curves", out);
        r.put("judge_cost", judgeCost(pairs, top, judged, judges));
        return r;
    }

    /**
     * What judging one candidate costs the cache, over the 5 nearest entries of every judged query (one thread,
     * fastest of 5 passes after 2): the previous judge as its policy called it (both texts analysed for every
     * candidate), the current one through {@code SemanticCachePolicy} (the prompt analysed once per lookup).
     */
    private static Map<String, Object> judgeCost(QqpPairs pairs, TopK top, JudgedPairs judged, List<Judge> judges) {
        List<int[]> candidates = new ArrayList<>();
        for (JudgedPairs.Part p : JudgedPairs.Part.values()) {
            for (int q : queries(judged, p)) for (int c = 0; c < top.index[q].length; c++) if (top.index[q][c] >= 0) candidates.add(new int[] {q, c});
        }
        Map<String, Object> out = new LinkedHashMap<>();
        System.out.printf(Locale.ROOT, "%nJudging one candidate as the cache's policy does (%d candidates, one thread, fastest of 5 passes):%n",
                candidates.size());
        for (Judge j : judges) {
            double best = Double.MAX_VALUE;
            double sink = 0;
            for (int pass = 0; pass < 7; pass++) {
                long t0 = System.nanoTime();
                for (int[] qc : candidates) {
                    int q = qc[0], s = top.index[q][qc[1]];
                    sink += j.fresh().score(pairs.get(s).a(), pairs.get(q).b(), top.cosine[q][qc[1]]);
                }
                double micros = (System.nanoTime() - t0) / 1e3 / candidates.size();
                if (pass >= 2) best = Math.min(best, micros);
            }
            if (sink == 42) System.out.print(""); // keeps the work observable
            // The index fetches no candidate below the threshold (a score never exceeds the cosine): per lookup, the
            // judge sees only the nearest 5 at or above it.
            long judgedPerLookup = 0;
            for (int q = 0; q < top.index.length; q++) {
                for (int c = 0; c < top.index[q].length; c++) if (top.index[q][c] >= 0 && top.cosine[q][c] >= j.defaultThreshold()) judgedPerLookup++;
            }
            double perLookup = (double) judgedPerLookup / top.index.length;
            System.out.printf(Locale.ROOT, "  %-48s %.1f µs a candidate; %.3f candidates at or above %s a lookup (all %d queries): %.1f µs a lookup%n",
                    j.name(), best, perLookup, trim(j.defaultThreshold()), top.index.length, best * perLookup);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("microseconds_per_candidate", Math.round(best * 10) / 10.0);
            m.put("candidates_judged_per_lookup", Math.round(perLookup * 1000) / 1000.0);
            m.put("microseconds_per_lookup", Math.round(best * perLookup * 10) / 10.0);
            out.put(j.name(), m);
        }
        return out;
    }

    /** The wrong hits and the missed answerable queries of one part at the threshold, to read. */
    private static void writeErrors(QqpPairs pairs, TopK top, JudgedPairs judged, Candidates c, JudgedPairs.Part part,
                                    double threshold, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<Long, JudgedPairs.Judged> verdicts = judged.byKey();
        List<String> lines = new ArrayList<>();
        for (JudgedPairs.Judged j : judged.pairs()) {
            if (j.part() != part) continue;
            int q = j.query();
            int served = c.served(q, threshold);
            int entry = served < 0 ? -1 : c.entry()[q][served];
            Map<String, Object> m = new LinkedHashMap<>();
            if (entry == j.entry() && !j.yes()) {
                m.put("kind", "wrong hit");
            } else if (served < 0 && j.yes()) {
                m.put("kind", "missed");
            } else if (served >= 0 && j.own() && verdicts.get(JudgedPairs.key(q, entry)) == null) {
                m.put("kind", "hit never judged");
                m.put("hit", pairs.get(entry).a());
            } else {
                continue;
            }
            m.put("query", q);
            m.put("entry", j.entry());
            m.put("reason", j.reason());
            m.put("cosine", round(cosineOf(top, q, j.entry())));
            m.put("score", round(scoreOf(c, q, j.entry())));
            m.put("served", entry);
            m.put("a", pairs.get(j.entry()).a());
            m.put("b", pairs.get(q).b());
            lines.add(json.writeValueAsString(m));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, lines);
        System.out.printf(Locale.ROOT, "  %d errors of the %s part at %s written to %s%n", lines.size(), part.label, trim(threshold), file);
    }

    private static double scoreOf(Candidates c, int q, int s) {
        for (int i = 0; i < c.entry()[q].length; i++) if (c.entry()[q][i] == s) return c.score()[q][i];
        return Double.NaN;
    }

    private static double cosineOf(TopK top, int q, int s) {
        for (int c = 0; c < top.index[q].length; c++) if (top.index[q][c] == s) return top.cosine[q][c];
        return Double.NaN;
    }

    static Point at(List<Point> curve, double t) {
        for (Point p : curve) if (Math.abs(p.threshold() - t) < 1e-9) return p;
        throw new IllegalArgumentException("no point at " + t);
    }

    private static String cell(Point p) {
        return Double.isNaN(p.wrongRate()) ? String.format(Locale.ROOT, "-/%.3f", p.recall())
                : String.format(Locale.ROOT, "%.3f/%.3f", p.wrongRate(), p.recall());
    }

    private static String trim(double t) {
        String s = String.format(Locale.ROOT, "%.3f", t);
        return s.endsWith("0") ? s.substring(0, s.length() - 1) : s;
    }

    private static double ratio(int a, int b) {
        return b == 0 ? Double.NaN : Math.round(10000.0 * a / b) / 10000.0;
    }

    private static double round(double x) {
        return Math.round(x * 10000) / 10000.0;
    }

    public static void main(String[] args) throws IOException {
        Path data = Path.of("../shared/data/qqp-dev.jsonl");
        Path judgedFile = JudgedPairs.DEFAULT_FILE;
        Path reuse = null;
        Path output = Path.of("bench/target/cache-quality-judged.json");
        Path errors = null;
        JudgedPairs.Part errorsPart = JudgedPairs.Part.TUNING;
        Double errorsThreshold = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reuse-vectors" -> reuse = Path.of(args[++i]);
                case "--judged" -> judgedFile = Path.of(args[++i]);
                case "--output" -> output = Path.of(args[++i]);
                case "--errors" -> errors = Path.of(args[++i]);
                case "--errors-threshold" -> errorsThreshold = Double.parseDouble(args[++i]);
                case "--part" -> errorsPart = JudgedPairs.Part.of(args[++i]);
                default -> data = Path.of(args[i]);
            }
        }
        QqpPairs pairs = QqpPairs.read(data);
        JudgedPairs judged = JudgedPairs.read(judgedFile);
        EmbeddedPairs vectors = EmbeddedPairs.embed(pairs, OnnxEmbedder.DEFAULT_MODEL, 500, reuse);
        TopK top = TopK.search(vectors, CacheQualityBench.TOP_K, reuse);
        Map<String, Object> r = report(pairs, top, judged, errors, errorsPart, errorsThreshold);
        Files.createDirectories(output.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(output.toFile(), r);
        System.out.println("Wrote " + output);
    }
}
