package relay.bench.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import relay.embeddings.OnnxEmbedder;
import relay.embeddings.SimilarityJudge;
import relay.embeddings.SimilarityJudge.Check;
import relay.embeddings.SimilarityJudge.Settings;
import relay.embeddings.SimilarityJudge.Text;

/**
 * How well the semantic cache tells a paraphrase from a different question, on Quora Question Pairs,
 * for each embedding model and similarity method; also what the model costs (load time, time per prompt).
 *
 * <p>Protocol: side {@code a} of every pair is stored (its cached "answer" is the pair's id); side
 * {@code b} of every pair is a query. For each query the stored entries are ranked by cosine (brute
 * force); a method picks one of the top {@code k} ({@code k} = 1: the nearest; 5: the best by the
 * method's score among those its checks accept) and it is a hit when its score reaches the threshold.
 * <ul>
 *   <li>precision = hits that return the pair's own entry and are labelled duplicate / all hits;</li>
 *   <li>recall = labelled duplicates that hit their own entry / all labelled duplicates;</li>
 *   <li>own-entry precision = the same numerator / hits that return the pair's own entry (hits on another
 *       pair's entry, mostly paraphrases of paraphrases that no label covers, left out).</li>
 * </ul>
 *
 * <p>Held out: the pairs are split in two halves by a seeded shuffle. On the tuning half each method
 * gets a threshold: the lowest whose precision reaches {@value #TARGET_PRECISION} (there and above) with
 * recall still at least {@value #RECALL_FLOOR}, or, when none does, the highest whose recall is still at least {@value #RECALL_FLOOR} (precision first
 * within the recall floor). The method with the best tuning figures wins; precision and recall are then
 * reported on the held-out half. {@link SimilarityJudge#DEFAULT} is reported on both halves as well.
 *
 * <p>With the default model it also measures the judged development set ({@link JudgedQuality}: wrong answers and
 * recall, previous and current default, each part), when {@code --judged FILE} (default
 * {@code bench/data/judged-pairs/judged-pairs.csv}, relative to the repository root) exists.
 *
 * <p>Usage: {@code CacheQualityBench [qqp-dev.jsonl] [--output FILE] [--models minilm,bge,e5]
 * [--reuse-vectors DIR] [--misses FILE] [--judged FILE] [--cold-runs 3]}; the file defaults to {@code ../shared/data/qqp-dev.jsonl}, the output to
 * {@code bench/target/cache-quality.json}. {@code --reuse-vectors} keeps the vectors in DIR between runs
 * (then no embedding time is measured); {@code --misses} writes the default's held-out hits that count as
 * wrong, one JSON line each.
 */
public final class CacheQualityBench {
    static final double TARGET_PRECISION = 0.95;
    static final double RECALL_FLOOR = 0.30;
    static final int TOP_K = 5;
    static final long SPLIT_SEED = 20_240_611L;
    static final int MIN_HITS = 20;
    static final List<Double> GRID = grid(0.70, 0.995, 0.005);
    private static final double[] SHOWN = {0.80, 0.85, 0.90, 0.92, 0.93, 0.94, 0.945, 0.95, 0.96, 0.98};

    private CacheQualityBench() {}

    /** A way to judge: the judge's settings (its threshold is swept) and how many nearest entries it may choose from. */
    record Method(String name, Settings settings, int candidates) {}

    /** Figures at one threshold over a set of pairs. */
    record Point(double threshold, int hits, int ownHits, int correct, int duplicates, double precision,
                 double ownEntryPrecision, double recall) {}

    /** A method's threshold chosen on the tuning half and what it gives on both halves. */
    record Choice(String model, String method, Settings settings, int candidates, String rule, Point tuning, Point heldOut) {}

    public static void main(String[] args) throws IOException {
        Path data = Path.of("../shared/data/qqp-dev.jsonl");
        Path output = Path.of("bench/target/cache-quality.json");
        Path reuse = null;
        Path misses = null;
        Path judged = JudgedPairs.DEFAULT_FILE;
        int coldRuns = 3;
        List<OnnxEmbedder.Model> models = List.of(OnnxEmbedder.Model.ALL_MINILM_L6_V2_Q, OnnxEmbedder.Model.BGE_SMALL_EN_V15_Q);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--output" -> output = Path.of(args[++i]);
                case "--reuse-vectors" -> reuse = Path.of(args[++i]);
                case "--misses" -> misses = Path.of(args[++i]);
                case "--judged" -> judged = Path.of(args[++i]);
                case "--cold-runs" -> coldRuns = Integer.parseInt(args[++i]);
                case "--models" -> models = java.util.Arrays.stream(args[++i].split(",")).map(CacheQualityBench::model).toList();
                default -> data = Path.of(args[i]);
            }
        }
        if (!Files.exists(data)) {
            System.err.println("no such file: " + data.toAbsolutePath() + "\nusage: CacheQualityBench [qqp-dev.jsonl] [--output FILE] [--models minilm,bge,e5]");
            System.exit(2);
        }
        QqpPairs pairs = QqpPairs.read(data);
        boolean[] tuning = split(pairs.size());
        System.out.printf(Locale.ROOT, "Quora Question Pairs: %d pairs, %d labelled duplicate (%s); tuning/held-out halves of %d/%d pairs (seed %d)%n",
                pairs.size(), pairs.duplicates(), data, count(tuning, true), count(tuning, false), SPLIT_SEED);
        Text[] aText = new Text[pairs.size()];
        Text[] bText = new Text[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            aText[i] = Text.of(pairs.get(i).a());
            bText[i] = Text.of(pairs.get(i).b());
        }

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("data", data.toString());
        report.put("pairs", pairs.size());
        report.put("duplicates", pairs.duplicates());
        report.put("protocol", "store every a, query every b; a method picks one of the top-k stored entries by cosine;"
                + " hit = its score >= threshold; precision = hits on the pair's own entry labelled duplicate / hits;"
                + " recall = duplicates hit on their own entry / duplicates; own_entry_precision = the same / hits on the own entry");
        report.put("target_precision", TARGET_PRECISION);
        report.put("recall_floor", RECALL_FLOOR);
        report.put("split_seed", SPLIT_SEED);
        List<Map<String, Object>> modelReports = new ArrayList<>();
        report.put("models", modelReports);

        if (coldRuns > 0) report.put("cold_start", coldStarts(coldRuns));

        List<Choice> choices = new ArrayList<>();
        for (OnnxEmbedder.Model model : models) {
            System.out.printf(Locale.ROOT, "%nEmbedding %d questions with %s…%n", 2 * pairs.size(), model.name());
            EmbeddedPairs vectors = EmbeddedPairs.embed(pairs, model, 500, reuse);
            long searchStart = System.nanoTime();
            TopK top = TopK.search(vectors, TOP_K, reuse);
            System.err.printf(Locale.ROOT, "  brute-force top-%d search: %.1f s%n", TOP_K, (System.nanoTime() - searchStart) / 1e9);
            Map<String, Object> mr = new LinkedHashMap<>();
            mr.put("model", model.name());
            mr.put("dimensions", vectors.dims);
            mr.put("load_ms", round(vectors.loadMillis, 1));
            mr.put("embed_ms_p50", round(vectors.percentileMillis(0.50), 3));
            mr.put("embed_ms_p90", round(vectors.percentileMillis(0.90), 3));
            mr.put("embed_ms_p99", round(vectors.percentileMillis(0.99), 3));
            mr.put("embed_calls_timed", vectors.embedNanos.length);
            if (vectors.embedNanos.length > 0) {
                System.out.printf(Locale.ROOT, "%s: model load %.0f ms; embed one question p50 %.2f ms, p90 %.2f ms, p99 %.2f ms"
                                + " (%d calls, one thread, after 500 warm-up calls)%n", model.name(), vectors.loadMillis,
                        vectors.percentileMillis(0.5), vectors.percentileMillis(0.9), vectors.percentileMillis(0.99), vectors.embedNanos.length);
            } else {
                System.out.printf(Locale.ROOT, "%s: vectors reused from %s (no timing)%n", model.name(), reuse);
            }

            List<Map<String, Object>> methodReports = new ArrayList<>();
            mr.put("methods", methodReports);
            System.out.printf(Locale.ROOT, "%nPrecision/recall over all pairs, %s:%n%-40s%s   %s%n", model.name(), "method", header(),
                    "threshold chosen on the tuning half -> held-out half");
            for (Method method : methods()) {
                Chosen c = choose(method, top, aText, bText);
                List<Point> all = curve(pairs, c, null, true, GRID);
                List<Point> tune = curve(pairs, c, tuning, true, GRID);
                List<Point> test = curve(pairs, c, tuning, false, GRID);
                Choice choice = pick(model.name(), method, tune, test);
                choices.add(choice);
                System.out.printf(Locale.ROOT, "%-40s%s   %s%n", method.name(), row(all), describe(choice));
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", method.name());
                m.put("settings", method.settings().toString());
                m.put("candidates", method.candidates());
                m.put("choice", choice);
                m.put("curve_all", all);
                m.put("curve_tuning_half", tune);
                m.put("curve_held_out_half", test);
                methodReports.add(m);
            }
            modelReports.add(mr);
            if (model.equals(OnnxEmbedder.DEFAULT_MODEL)) {
                report.put("default", defaultReport(pairs, top, aText, bText, tuning, misses));
                if (Files.exists(judged)) report.put("judged", JudgedQuality.report(pairs, top, JudgedPairs.read(judged), null, null, null));
            }
        }

        Choice best = bestOnTuning(choices);
        if (best != null) {
            System.out.printf(Locale.ROOT, "%nBest on the tuning half: %s, %s (%s): threshold %.3f; tuning P %.3f R %.3f -> held-out P %.3f (own-entry %.3f) R %.3f%n",
                    best.model, best.method, best.rule, best.tuning.threshold, best.tuning.precision, best.tuning.recall,
                    best.heldOut.precision, best.heldOut.ownEntryPrecision, best.heldOut.recall);
            report.put("best_on_tuning_half", best);
        }
        Path out = output.toAbsolutePath();
        Files.createDirectories(out.getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
        System.out.println("Wrote " + output);
    }

    /** {@link EmbedderColdStart} in fresh JVMs: what loading the default embedder adds to an init phase. */
    private static Map<String, Object> coldStarts(int runs) throws IOException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ObjectMapper json = new ObjectMapper();
        List<Map<String, Object>> samples = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Process p = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    EmbedderColdStart.class.getName()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            for (String line : out.split("\n")) {
                if (line.startsWith(EmbedderColdStart.MARKER)) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = json.readValue(line, Map.class);
                    samples.add(m);
                }
            }
        }
        double[] load = samples.stream().mapToDouble(m -> ((Number) m.get("load_ms")).doubleValue()).sorted().toArray();
        double[] first = samples.stream().mapToDouble(m -> ((Number) m.get("first_embed_ms")).doubleValue()).sorted().toArray();
        double[] rss = samples.stream().mapToDouble(m -> ((Number) m.get("rss_added_mb")).doubleValue()).sorted().toArray();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("runs", samples.size());
        if (!samples.isEmpty()) {
            r.put("load_ms_median", round(load[load.length / 2], 1));
            r.put("first_embed_ms_median", round(first[first.length / 2], 1));
            r.put("rss_added_mb_median", round(rss[rss.length / 2], 1));
            System.out.printf(Locale.ROOT, "%nCold load of %s in a fresh JVM (%d runs, median): load %.0f ms (native library + tokenizer + model),"
                            + " first embedding %.0f ms, resident memory +%.0f MB%n", OnnxEmbedder.DEFAULT_MODEL.name(), samples.size(),
                    load[load.length / 2], first[first.length / 2], rss[rss.length / 2]);
        }
        r.put("samples", samples);
        return r;
    }

    /** SimilarityJudge.DEFAULT exactly as the cache uses it: its model, threshold, checks, top-5 candidates. */
    private static Map<String, Object> defaultReport(QqpPairs pairs, TopK top, Text[] aText, Text[] bText, boolean[] tuning,
                                                     Path misses) throws IOException {
        Settings s = SimilarityJudge.DEFAULT_SETTINGS;
        Method method = new Method("SimilarityJudge.DEFAULT", s, TOP_K);
        Chosen c = choose(method, top, aText, bText);
        List<Double> t = List.of(s.threshold());
        Point tune = curve(pairs, c, tuning, true, t).get(0);
        Point test = curve(pairs, c, tuning, false, t).get(0);
        Point all = curve(pairs, c, null, true, t).get(0);
        System.out.printf(Locale.ROOT, "%nDEFAULT = %s with SimilarityJudge.DEFAULT (%s), top %d:%n"
                        + "  tuning half   P %.3f (own-entry %.3f) R %.3f%n"
                        + "  held-out half P %.3f (own-entry %.3f) R %.3f  (%d hits, %d on the own entry, %d correct, %d duplicates)%n"
                        + "  all pairs     P %.3f (own-entry %.3f) R %.3f%n",
                OnnxEmbedder.DEFAULT_MODEL.name(), s, TOP_K, tune.precision, tune.ownEntryPrecision, tune.recall,
                test.precision, test.ownEntryPrecision, test.recall, test.hits, test.ownHits, test.correct, test.duplicates,
                all.precision, all.ownEntryPrecision, all.recall);
        if (misses != null) writeMisses(pairs, c, tuning, s.threshold(), misses);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("model", OnnxEmbedder.DEFAULT_MODEL.name());
        d.put("settings", s.toString());
        d.put("candidates", TOP_K);
        d.put("tuning", tune);
        d.put("held_out", test);
        d.put("all", all);
        return d;
    }

    /** The held-out hits that count as wrong, one JSON line each, to read what the judge lets through. */
    private static void writeMisses(QqpPairs pairs, Chosen c, boolean[] tuning, double threshold, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (int q = 0; q < c.score.length; q++) {
            if (tuning[q] || c.score[q] < threshold - 1e-9) continue;
            boolean own = c.entry[q] == q;
            if (own && pairs.get(q).duplicate()) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", own ? "own entry, labelled not duplicate" : "another pair's entry");
            m.put("score", round(c.score[q], 4));
            m.put("query", pairs.get(q).b());
            m.put("hit", pairs.get(c.entry[q]).a());
            lines.add(json.writeValueAsString(m));
        }
        Path out = file.toAbsolutePath();
        Files.createDirectories(out.getParent());
        Files.write(out, lines);
        System.out.printf(Locale.ROOT, "  %d held-out hits counted wrong written to %s%n", lines.size(), file);
    }

    static List<Method> methods() {
        Settings cos = Settings.cosineOnly(0);
        Set<Check> checks = SimilarityJudge.DEFAULT_CHECKS;
        List<Method> m = new ArrayList<>();
        m.add(new Method("cosine", cos, 1));
        for (Check c : Check.values()) {
            m.add(new Method("cosine + " + c.name().toLowerCase(Locale.ROOT), cos.withChecks(Set.of(c)), 1));
        }
        m.add(new Method("cosine + default checks", cos.withChecks(checks), 1));
        m.add(new Method("cosine + default checks, top5", cos.withChecks(checks), TOP_K));
        for (double w : new double[] {0.95, 0.9, 0.85, 0.8}) {
            m.add(new Method(String.format(Locale.ROOT, "%.2f cos + %.2f jaccard, top5", w, 1 - w), cos.withCosineWeight(w), TOP_K));
        }
        for (double w : new double[] {0.95, 0.9, 0.85}) {
            m.add(new Method(String.format(Locale.ROOT, "%.2f cos + %.2f jacc + checks, top5", w, 1 - w),
                    cos.withChecks(checks).withCosineWeight(w), TOP_K));
        }
        return m;
    }

    /** For each query: the stored entry the method picks and its score (negative infinity when no candidate passes). */
    record Chosen(double[] score, int[] entry) {}

    static Chosen choose(Method method, TopK top, Text[] aText, Text[] bText) {
        SimilarityJudge judge = new SimilarityJudge(method.settings());
        int n = bText.length;
        double[] scores = new double[n];
        int[] chosen = new int[n];
        IntStream.range(0, n).parallel().forEach(q -> {
            double best = Double.NEGATIVE_INFINITY;
            int bestEntry = top.index[q][0];
            for (int c = 0; c < method.candidates(); c++) {
                int s = top.index[q][c];
                if (s < 0) break;
                double score = judge.rankingScore(aText[s], bText[q], top.cosine[q][c]); // stored a, new prompt b
                if (score > best) {
                    best = score;
                    bestEntry = s;
                }
            }
            scores[q] = best;
            chosen[q] = bestEntry;
        });
        return new Chosen(scores, chosen);
    }

    static List<Point> curve(QqpPairs pairs, Chosen c, boolean[] half, boolean whichHalf, List<Double> grid) {
        List<Point> points = new ArrayList<>();
        for (double t : grid) {
            int hits = 0, own = 0, correct = 0, duplicates = 0;
            for (int q = 0; q < c.score.length; q++) {
                if (half != null && half[q] != whichHalf) continue;
                boolean dup = pairs.get(q).duplicate();
                if (dup) duplicates++;
                if (c.score[q] >= t - 1e-9) {
                    hits++;
                    if (c.entry[q] == q) {
                        own++;
                        if (dup) correct++;
                    }
                }
            }
            points.add(new Point(t, hits, own, correct, duplicates, ratio(correct, hits), ratio(correct, own), ratio(correct, duplicates)));
        }
        return points;
    }

    /** The tuning-half threshold rule (see the class comment). */
    static Choice pick(String model, Method method, List<Point> tune, List<Point> test) {
        Point reach = null;
        for (int i = tune.size() - 1; i >= 0; i--) {
            Point p = tune.get(i);
            if (p.hits < MIN_HITS || p.recall < RECALL_FLOOR) continue;
            if (p.precision >= TARGET_PRECISION) reach = p;
            else break;
        }
        String rule;
        Point chosen;
        if (reach != null) {
            rule = "lowest threshold with precision >= " + TARGET_PRECISION + " (and recall >= " + RECALL_FLOOR + ")";
            chosen = reach;
        } else {
            chosen = null;
            for (Point p : tune) if (p.recall >= RECALL_FLOOR) chosen = p;
            if (chosen == null) return new Choice(model, method.name(), method.settings(), method.candidates(), "recall never reaches the floor", null, null);
            rule = "precision " + TARGET_PRECISION + " not reached: highest threshold with recall >= " + RECALL_FLOOR;
        }
        Point held = null;
        for (Point p : test) if (Math.abs(p.threshold - chosen.threshold) < 1e-9) held = p;
        return new Choice(model, method.name(), method.settings().withThreshold(chosen.threshold), method.candidates(), rule, chosen, held);
    }

    /** Methods that reach the target on the tuning half beat those that do not; then the higher tuning recall (or precision) wins. */
    static Choice bestOnTuning(List<Choice> choices) {
        Choice best = null;
        for (Choice c : choices) {
            if (c.tuning == null) continue;
            if (best == null || better(c, best)) best = c;
        }
        return best;
    }

    private static boolean better(Choice c, Choice best) {
        boolean cReach = c.tuning.precision >= TARGET_PRECISION, bReach = best.tuning.precision >= TARGET_PRECISION;
        if (cReach != bReach) return cReach;
        return cReach ? c.tuning.recall > best.tuning.recall : c.tuning.precision > best.tuning.precision;
    }

    private static String describe(Choice c) {
        if (c.tuning == null) return "recall < " + RECALL_FLOOR + " everywhere";
        return String.format(Locale.ROOT, "t=%.3f: tune P %.3f R %.3f -> held-out P %.3f (own %.3f) R %.3f",
                c.tuning.threshold, c.tuning.precision, c.tuning.recall, c.heldOut.precision, c.heldOut.ownEntryPrecision, c.heldOut.recall);
    }

    private static String header() {
        StringBuilder sb = new StringBuilder();
        for (double t : SHOWN) sb.append(String.format(Locale.ROOT, " %-10s", trim(t)));
        return sb.toString();
    }

    private static String row(List<Point> curve) {
        StringBuilder sb = new StringBuilder();
        for (double t : SHOWN) {
            Point p = null;
            for (Point x : curve) if (Math.abs(x.threshold - t) < 1e-9) p = x;
            sb.append(String.format(Locale.ROOT, " %-10s", p == null || Double.isNaN(p.precision) ? "-"
                    : String.format(Locale.ROOT, "%.2f/%.2f", p.precision, p.recall)));
        }
        return sb.toString();
    }

    private static String trim(double t) {
        String s = String.format(Locale.ROOT, "%.3f", t);
        return s.endsWith("0") ? s.substring(0, s.length() - 1) : s;
    }

    /** true = tuning half. A seeded shuffle, so the halves are the same on every run and machine. */
    static boolean[] split(int n) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) ids.add(i);
        Collections.shuffle(ids, new Random(SPLIT_SEED));
        boolean[] tuning = new boolean[n];
        for (int i = 0; i < n / 2; i++) tuning[ids.get(i)] = true;
        return tuning;
    }

    private static int count(boolean[] b, boolean v) {
        int c = 0;
        for (boolean x : b) if (x == v) c++;
        return c;
    }

    private static List<Double> grid(double from, double to, double step) {
        List<Double> g = new ArrayList<>();
        for (int i = 0; from + i * step <= to + 1e-9; i++) g.add(Math.round((from + i * step) * 1000) / 1000.0);
        return Collections.unmodifiableList(g);
    }

    private static OnnxEmbedder.Model model(String name) {
        return switch (name.trim()) {
            case "minilm", "all-minilm-l6-v2-q" -> OnnxEmbedder.Model.ALL_MINILM_L6_V2_Q;
            case "bge", "bge-small-en-v1.5-q" -> OnnxEmbedder.Model.BGE_SMALL_EN_V15_Q;
            case "e5", "e5-small-v2-q" -> OnnxEmbedder.Model.E5_SMALL_V2_Q;
            default -> throw new IllegalArgumentException("unknown model " + name + " (minilm, bge, e5)");
        };
    }

    private static double ratio(int a, int b) {
        return b == 0 ? Double.NaN : Math.round(1000.0 * a / b) / 1000.0;
    }

    private static double round(double x, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(x * f) / f;
    }
}
