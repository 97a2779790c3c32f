package relay.bench.cache;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import relay.embeddings.OnnxEmbedder;

/**
 * Both sides of every pair embedded by one model, with what it cost: the model's load time and the
 * time of each {@code embed} call (one thread, after a warm-up), so p50/p99 describe a single prompt.
 */
final class EmbeddedPairs {
    final String model;
    final float[][] a;
    final float[][] b;
    final double loadMillis;
    final long[] embedNanos; // sorted; empty when the vectors came from a file
    final int dims;

    private EmbeddedPairs(String model, float[][] a, float[][] b, double loadMillis, long[] embedNanos) {
        this.model = model;
        this.a = a;
        this.b = b;
        this.loadMillis = loadMillis;
        this.embedNanos = embedNanos;
        this.dims = a.length == 0 ? 0 : a[0].length;
    }

    static EmbeddedPairs embed(QqpPairs pairs, OnnxEmbedder.Model model, int warmup, Path reuseDir) {
        Path file = reuseDir == null ? null : reuseDir.resolve("qqp-vectors-" + model.name() + "-" + pairs.size() + ".bin");
        if (file != null && Files.exists(file)) {
            EmbeddedPairs cached = readFrom(file, model.name(), pairs.size());
            if (cached != null) return cached;
        }
        long t0 = System.nanoTime();
        OnnxEmbedder embedder = OnnxEmbedder.load(model);
        double loadMillis = (System.nanoTime() - t0) / 1e6;
        try (embedder) {
            for (int i = 0; i < Math.min(warmup, pairs.size()); i++) embedder.embed(pairs.get(i).a());
            int n = pairs.size();
            float[][] a = new float[n][];
            float[][] b = new float[n][];
            long[] nanos = new long[2 * n];
            for (int i = 0; i < n; i++) {
                long s = System.nanoTime();
                a[i] = embedder.embed(pairs.get(i).a());
                long m = System.nanoTime();
                b[i] = embedder.embed(pairs.get(i).b());
                long e = System.nanoTime();
                nanos[2 * i] = m - s;
                nanos[2 * i + 1] = e - m;
                if ((i + 1) % 5000 == 0) System.err.printf("  %s: %d/%d pairs embedded%n", model.name(), i + 1, n);
            }
            Arrays.sort(nanos);
            EmbeddedPairs result = new EmbeddedPairs(model.name(), a, b, loadMillis, nanos);
            if (file != null) result.writeTo(file);
            return result;
        }
    }

    double percentileMillis(double p) {
        if (embedNanos.length == 0) return Double.NaN;
        int i = (int) Math.min(embedNanos.length - 1, Math.ceil(p * embedNanos.length) - 1);
        return embedNanos[Math.max(0, i)] / 1e6;
    }

    private void writeTo(Path file) {
        try {
            Files.createDirectories(file.getParent());
            try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
                out.writeInt(a.length);
                out.writeInt(dims);
                out.writeDouble(loadMillis);
                for (float[][] side : new float[][][] {a, b}) for (float[] v : side) for (float x : v) out.writeFloat(x);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The vectors a run with {@code --reuse-vectors} wrote to {@code file}, whatever their number. */
    static EmbeddedPairs read(Path file, String model) {
        EmbeddedPairs pairs = readFrom(file, model, -1);
        if (pairs == null) throw new UncheckedIOException(new IOException("cannot read vectors from " + file));
        return pairs;
    }

    /** null when the file cannot be read or holds another number of pairs than {@code n} (any, for -1). */
    private static EmbeddedPairs readFrom(Path file, String model, int expectedPairs) {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
            int n = in.readInt();
            if (expectedPairs >= 0 && n != expectedPairs) return null;
            int dims = in.readInt();
            double load = in.readDouble();
            float[][] a = new float[n][dims];
            float[][] b = new float[n][dims];
            for (float[][] side : new float[][][] {a, b}) for (float[] v : side) for (int d = 0; d < dims; d++) v[d] = in.readFloat();
            return new EmbeddedPairs(model, a, b, load, new long[0]);
        } catch (IOException e) {
            return null;
        }
    }
}
