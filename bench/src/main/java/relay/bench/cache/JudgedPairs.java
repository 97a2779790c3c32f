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
 * <p>{@code judged-pairs.csv}: {@code query,entry,part,verdict,reason} with part {@code tuning},
 * {@code held-out} or {@code confirmation} (see {@link Part}), verdict {@code yes} or {@code no}, and for a no a
 * tag of what differs (scope, intent, entity, second-question, quantity, direction, antonym, negation, topic).
 */
record JudgedPairs(List<Judged> pairs) {

    /** Which use a pair may be put to. */
    enum Part {
        /** the judge and its threshold were designed on these (the bench's seeded tuning half of the drawn pairs) */
        TUNING("tuning"),
        /** measured once the judge was designed (the other half); the default threshold was then read off both parts */
        HELD_OUT("held-out"),
        /** drawn and read after the default was chosen, measured once: the figure no choice has seen */
        CONFIRMATION("confirmation");

        final String label;

        Part(String label) {
            this.label = label;
        }

        static Part of(String label) {
            for (Part p : values()) if (p.label.equals(label)) return p;
            throw new IllegalArgumentException("no part " + label + " (tuning, held-out, confirmation)");
        }
    }

    record Judged(int query, int entry, Part part, boolean yes, String reason) {
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
                Part part;
                try {
                    part = Part.of(f[2]);
                } catch (IllegalArgumentException e) {
                    throw new IOException("bad part in " + file + ": " + line);
                }
                boolean yes = switch (f[3]) {
                    case "yes" -> true;
                    case "no" -> false;
                    default -> throw new IOException("bad verdict in " + file + ": " + line);
                };
                out.add(new Judged(Integer.parseInt(f[0]), Integer.parseInt(f[1]), part, yes, f.length > 4 ? f[4] : ""));
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

    // ---- how the set was chosen (before any verdict was read or any method measured on it) ----

    /** Pairs whose own two sides reach this bge cosine: the ones the semantic cache would consider. */
    static final double MIN_OWN_COSINE = 0.90;
    /** How many such pairs are drawn (seeded), out of about 5,400, for the tuning and held-out parts. */
    static final int DRAWN = 2000;
    /** How many more, the next in the same draw, for the confirmation part. */
    static final int CONFIRMATION = 600;
    static final long DRAW_SEED = 20_251_203L;
    /** Another pair's entry is judged too when it is among the query's 5 nearest at this cosine or more. */
    static final double MIN_CROSS_COSINE = 0.90;

    /** A (query, entry) pair to be read, with its part. */
    record Candidate(int query, int entry, Part part) {}

    /**
     * The pairs to judge: pairs drawn at random among those whose two sides reach bge cosine
     * {@value #MIN_OWN_COSINE} (the first {@value #DRAWN} of a seeded shuffle split into tuning and held-out by
     * the bench's split, {@link CacheQualityBench#split}; with {@code confirmation}, the next {@value #CONFIRMATION}),
     * and for each drawn query every other pair's entry among its 5 nearest at cosine {@value #MIN_CROSS_COSINE} or
     * more, so that at any threshold from {@value #MIN_CROSS_COSINE} every hit a drawn query can get has been read.
     */
    static List<Candidate> select(EmbeddedPairs vectors, TopK top, boolean[] tuning, boolean confirmation) {
        List<Integer> eligible = new ArrayList<>();
        for (int i = 0; i < vectors.a.length; i++) {
            if (dot(vectors.a[i], vectors.b[i]) >= MIN_OWN_COSINE) eligible.add(i);
        }
        Collections.shuffle(eligible, new Random(DRAW_SEED));
        int from = confirmation ? DRAWN : 0, to = Math.min(eligible.size(), confirmation ? DRAWN + CONFIRMATION : DRAWN);
        List<Integer> drawn = new ArrayList<>(eligible.subList(Math.min(from, to), to));
        Collections.sort(drawn);
        List<Candidate> out = new ArrayList<>();
        for (int q : drawn) {
            Part part = confirmation ? Part.CONFIRMATION : tuning[q] ? Part.TUNING : Part.HELD_OUT;
            out.add(new Candidate(q, q, part));
            for (int c = 0; c < top.index[q].length; c++) {
                int s = top.index[q][c];
                if (s >= 0 && s != q && top.cosine[q][c] >= MIN_CROSS_COSINE) out.add(new Candidate(q, s, part));
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
     * Usage: {@code JudgedPairs select [qqp-dev.jsonl] --reuse-vectors DIR --output FILE [--confirmation]}.
     */
    public static void main(String[] args) throws IOException {
        Path data = Path.of("../shared/data/qqp-dev.jsonl");
        Path reuse = null;
        Path output = Path.of("bench/target/judged-pairs-candidates.csv");
        boolean confirmation = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "select" -> { }
                case "--reuse-vectors" -> reuse = Path.of(args[++i]);
                case "--output" -> output = Path.of(args[++i]);
                case "--confirmation" -> confirmation = true;
                default -> data = Path.of(args[i]);
            }
        }
        QqpPairs pairs = QqpPairs.read(data);
        EmbeddedPairs vectors = EmbeddedPairs.embed(pairs, relay.embeddings.OnnxEmbedder.DEFAULT_MODEL, 500, reuse);
        TopK top = TopK.search(vectors, CacheQualityBench.TOP_K, reuse);
        List<Candidate> selected = select(vectors, top, CacheQualityBench.split(pairs.size()), confirmation);
        List<String> lines = new ArrayList<>();
        lines.add("query,entry,part");
        for (Candidate c : selected) lines.add(c.query + "," + c.entry + "," + c.part.label);
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.write(output, lines);
        System.out.println("Wrote " + output);
    }
}
