package relay.bench.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import relay.core.cache.LshIndex;
import relay.embeddings.OnnxEmbedder;

/**
 * How the semantic cache's vector index fills its buckets with real prompts, with and without a center:
 * Quora questions embedded by each in-process model, the center (mean vector) taken from the first half
 * of the pairs, figures on the second half. Side {@code a} of every pair in the second half is stored in
 * one scope (10,000 entries: the worst case, every entry a candidate); side {@code b} looks it up.
 * Reports, for 11, 10 and 9 bits per band, the items a lookup reads (all of its 16 buckets, and with the
 * store's cap of 128 per band), the largest bucket, and the share of pairs at or above a cosine that
 * share a bucket (the index can find them), also as expected with the cap.
 *
 * <p>Usage: {@code LshBucketsBench [qqp-dev.jsonl] [--reuse-vectors DIR] [--write-centers DIR]};
 * {@code --write-centers} writes each model's center as {@code <model>.center.txt}, the resource the
 * embedder ships.
 */
public final class LshBucketsBench {
    static final int CAP_PER_BAND = 128;
    static final double[] THRESHOLDS = {0.85, 0.90, 0.945};

    private LshBucketsBench() {}

    public static void main(String[] args) throws IOException {
        Path data = Path.of("../shared/data/qqp-dev.jsonl");
        Path reuse = null;
        Path centers = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reuse-vectors" -> reuse = Path.of(args[++i]);
                case "--write-centers" -> centers = Path.of(args[++i]);
                default -> data = Path.of(args[i]);
            }
        }
        QqpPairs pairs = QqpPairs.read(data);
        for (OnnxEmbedder.Model model : List.of(OnnxEmbedder.Model.BGE_SMALL_EN_V15_Q, OnnxEmbedder.Model.ALL_MINILM_L6_V2_Q)) {
            EmbeddedPairs vectors = EmbeddedPairs.embed(pairs, model, 50, reuse);
            int half = pairs.size() / 2;
            float[] center = mean(vectors, 0, half);
            System.out.printf(Locale.ROOT, "%s: %d pairs, center from the first %d (length %.3f), figures on the other %d%n",
                    model.name(), pairs.size(), half, norm(center), pairs.size() - half);
            System.out.println("  index                | items read per lookup (capped) | largest bucket | pairs sharing a bucket at cosine >= "
                    + java.util.Arrays.toString(THRESHOLDS) + " (capped: expected, with 128 items read per band)");
            for (boolean centered : new boolean[] {false, true}) {
                for (int bits : new int[] {LshIndex.DEFAULT_BITS_PER_BAND, 10, 9, 8}) {
                    LshIndex index = new LshIndex(vectors.dims, LshIndex.DEFAULT_BANDS, bits, LshIndex.DEFAULT_SEED,
                            centered ? center : null);
                    report((centered ? "centered" : "origin") + ", " + bits + " bits", index, vectors, half, pairs.size());
                }
            }
            if (centers != null) {
                Files.createDirectories(centers);
                StringBuilder text = new StringBuilder("# mean vector of " + model.name() + " over " + (2 * half)
                        + " Quora questions; the semantic cache's vector index hashes relative to it\n");
                for (float x : center) text.append(String.format(Locale.ROOT, "%.7f%n", x));
                Path file = centers.resolve(model.name() + ".center.txt");
                Files.writeString(file, text);
                System.out.println("  wrote " + file);
            }
        }
    }

    static void report(String name, LshIndex index, EmbeddedPairs vectors, int from, int to) {
        int bands = index.bands();
        List<Map<String, Integer>> occupancy = new ArrayList<>();
        for (int b = 0; b < bands; b++) occupancy.add(new HashMap<>());
        List<List<String>> stored = new ArrayList<>();
        for (int i = from; i < to; i++) {
            List<String> buckets = index.buckets(vectors.a[i]);
            stored.add(buckets);
            for (int b = 0; b < bands; b++) occupancy.get(b).merge(buckets.get(b), 1, Integer::sum);
        }
        long read = 0;
        long capped = 0;
        int largest = 0;
        int[] above = new int[THRESHOLDS.length];
        int[] found = new int[THRESHOLDS.length];
        double[] foundCapped = new double[THRESHOLDS.length];
        for (int i = from; i < to; i++) {
            List<String> query = index.buckets(vectors.b[i]);
            List<String> own = stored.get(i - from);
            boolean shares = false;
            double missedEverywhere = 1; // with the cap, a full bucket returns its newest 128: a random share of it
            for (int b = 0; b < bands; b++) {
                int n = occupancy.get(b).getOrDefault(query.get(b), 0);
                read += n;
                capped += Math.min(n, CAP_PER_BAND);
                largest = Math.max(largest, n);
                if (query.get(b).equals(own.get(b))) {
                    shares = true;
                    missedEverywhere *= 1 - Math.min(1.0, CAP_PER_BAND / (double) n);
                }
            }
            double cosine = OnnxEmbedder.cosine(vectors.a[i], vectors.b[i]);
            for (int t = 0; t < THRESHOLDS.length; t++) {
                if (cosine >= THRESHOLDS[t]) {
                    above[t]++;
                    if (shares) found[t]++;
                    if (shares) foundCapped[t] += 1 - missedEverywhere;
                }
            }
        }
        int queries = to - from;
        StringBuilder recall = new StringBuilder();
        for (int t = 0; t < THRESHOLDS.length; t++) {
            recall.append(String.format(Locale.ROOT, "%s%.3f (capped %.3f)", t == 0 ? "" : ", ", found[t] / (double) above[t],
                    foundCapped[t] / above[t]));
        }
        System.out.printf(Locale.ROOT, "  %-20s | %8.1f (%6.1f)               | %14d | %s%n",
                name, read / (double) queries, capped / (double) queries, largest, recall);
    }

    static float[] mean(EmbeddedPairs vectors, int from, int to) {
        float[] mean = new float[vectors.dims];
        int n = 2 * (to - from);
        for (int i = from; i < to; i++) {
            for (int d = 0; d < vectors.dims; d++) mean[d] += (vectors.a[i][d] + vectors.b[i][d]) / n;
        }
        return mean;
    }

    static double norm(float[] v) {
        double sum = 0;
        for (float x : v) sum += x * x;
        return Math.sqrt(sum);
    }
}
