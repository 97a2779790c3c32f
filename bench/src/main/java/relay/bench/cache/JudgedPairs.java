package relay.bench.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The judged development set ({@code bench/data/judged-pairs/}): (query, stored entry) pairs of the Quora
 * set, each read by a person with one rule, <i>would the answer stored for the entry fully and correctly
 * answer the query?</i> A query is side {@code b} of pair {@code query}; the entry is side {@code a} of
 * pair {@code entry} (the pair's own entry when the two are equal, another pair's otherwise).
 *
 * <p>{@code judged-pairs.csv}: {@code query,entry,part,verdict,reason} with part {@code tuning} or
 * {@code held-out} (the bench's seeded halves: {@link CacheQualityBench#split}), verdict {@code yes} or
 * {@code no}, and for a no an optional tag of what differs (direction, scope, antonym, entity, quantity,
 * second-question, topic, …).
 */
record JudgedPairs(List<Judged> pairs) {

    record Judged(int query, int entry, boolean tuning, boolean yes, String reason) {
        boolean own() {
            return query == entry;
        }
    }

    static final Path DEFAULT_FILE = Path.of("bench/data/judged-pairs/judged-pairs.csv");

    static JudgedPairs read(Path file) {
        List<Judged> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank() || line.startsWith("query,")) continue;
                String[] f = line.split(",", -1);
                if (f.length < 4) throw new IOException("bad line in " + file + ": " + line);
                boolean tuning = switch (f[2]) {
                    case "tuning" -> true;
                    case "held-out" -> false;
                    default -> throw new IOException("bad part in " + file + ": " + line);
                };
                boolean yes = switch (f[3]) {
                    case "yes" -> true;
                    case "no" -> false;
                    default -> throw new IOException("bad verdict in " + file + ": " + line);
                };
                out.add(new Judged(Integer.parseInt(f[0]), Integer.parseInt(f[1]), tuning, yes, f.length > 4 ? f[4] : ""));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new JudgedPairs(List.copyOf(out));
    }

    /** The verdict on (query, entry), or null when that pair was not judged. */
    Map<Long, Judged> byKey() {
        Map<Long, Judged> m = new HashMap<>();
        for (Judged j : pairs) m.put(key(j.query, j.entry), j);
        return m;
    }

    static long key(int query, int entry) {
        return ((long) query << 32) | (entry & 0xffffffffL);
    }

    // ---- how the set was chosen (run once, before any verdict was read or any method measured) ----

    /** Pairs whose own two sides reach this bge cosine: the ones the semantic cache would consider. */
    static final double MIN_OWN_COSINE = 0.90;
    /** How many such pairs are drawn (seeded), out of about 5,400. */
    static final int DRAWN = 2000;
    static final long DRAW_SEED = 20_251_203L;
    /** Another pair's entry is judged too when it is among the query's 5 nearest at this cosine or more. */
    static final double MIN_CROSS_COSINE = 0.90;

    /** A (query, entry) pair to be read, with its part. */
    record Candidate(int query, int entry, boolean tuning) {}

    /**
     * The pairs to judge: {@value #DRAWN} pairs drawn at random among those whose two sides reach bge cosine
     * {@value #MIN_OWN_COSINE}, and for each drawn query every other pair's entry among its 5 nearest at cosine
     * {@value #MIN_CROSS_COSINE} or more (so that, at any threshold from {@value #MIN_CROSS_COSINE}, every hit
     * a drawn query can get has been read). The part is the bench's split of the query's pair.
     */
    static List<Candidate> select(EmbeddedPairs vectors, TopK top, boolean[] tuning) {
        List<Integer> eligible = new ArrayList<>();
        for (int i = 0; i < vectors.a.length; i++) {
            if (dot(vectors.a[i], vectors.b[i]) >= MIN_OWN_COSINE) eligible.add(i);
        }
        Collections.shuffle(eligible, new Random(DRAW_SEED));
        List<Integer> drawn = new ArrayList<>(eligible.subList(0, Math.min(DRAWN, eligible.size())));
        Collections.sort(drawn);
        List<Candidate> out = new ArrayList<>();
        for (int q : drawn) {
            out.add(new Candidate(q, q, tuning[q]));
            for (int c = 0; c < top.index[q].length; c++) {
                int s = top.index[q][c];
                if (s >= 0 && s != q && top.cosine[q][c] >= MIN_CROSS_COSINE) out.add(new Candidate(q, s, tuning[q]));
            }
        }
        System.out.printf(Locale.ROOT, "%d pairs at own cosine >= %.2f; %d drawn; %d (query, entry) pairs to judge%n",
                eligible.size(), MIN_OWN_COSINE, drawn.size(), out.size());
        return out;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /**
     * Writes the pairs to judge (no label, no cosine) as {@code query,entry,part} lines, in the order drawn.
     * Usage: {@code JudgedPairs select [qqp-dev.jsonl] --reuse-vectors DIR --output FILE}.
     */
    public static void main(String[] args) throws IOException {
        Path data = Path.of("../shared/data/qqp-dev.jsonl");
        Path reuse = null;
        Path output = Path.of("bench/target/judged-pairs-candidates.csv");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "select" -> { }
                case "--reuse-vectors" -> reuse = Path.of(args[++i]);
                case "--output" -> output = Path.of(args[++i]);
                default -> data = Path.of(args[i]);
            }
        }
        QqpPairs pairs = QqpPairs.read(data);
        EmbeddedPairs vectors = EmbeddedPairs.embed(pairs, relay.embeddings.OnnxEmbedder.DEFAULT_MODEL, 500, reuse);
        TopK top = TopK.search(vectors, CacheQualityBench.TOP_K, reuse);
        List<Candidate> selected = select(vectors, top, CacheQualityBench.split(pairs.size()));
        List<String> lines = new ArrayList<>();
        lines.add("query,entry,part");
        for (Candidate c : selected) lines.add(c.query + "," + c.entry + "," + (c.tuning ? "tuning" : "held-out"));
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.write(output, lines);
        System.out.println("Wrote " + output);
    }
}
