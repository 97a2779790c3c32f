package relay.bench.cache;

import java.util.Random;
import java.util.stream.IntStream;

/**
 * A binary classifier in plain Java: logistic regression ({@code hidden} = 0) or one hidden ReLU layer
 * ({@code hidden} > 0), over standardised dense features plus sparse 0/1 features; trained with Adam on
 * the log loss plus an L2 penalty on the weights (not the biases). Deterministic for a seed: mini-batches
 * are split into a fixed number of shards whose gradients are summed in a fixed order.
 */
final class PairModel implements RerankerBench.Classifier {
    private static final int SHARDS = 2;

    final int dense, sparse, hidden;
    final float[] mean, scale;
    // hidden == 0: w[dense + sparse], b[1]; hidden > 0: w[hidden * (dense + sparse)] (unit-major), b[hidden], w2[hidden], b2
    final float[] w, b, w2;
    float b2;

    PairModel(int dense, int sparse, int hidden, long seed) {
        this.dense = dense;
        this.sparse = sparse;
        this.hidden = hidden;
        this.mean = new float[dense];
        this.scale = new float[dense];
        java.util.Arrays.fill(scale, 1);
        int in = dense + sparse;
        Random r = new Random(seed);
        if (hidden == 0) {
            w = new float[in];
            b = new float[1];
            w2 = new float[0];
        } else {
            w = new float[hidden * in];
            double s = Math.sqrt(2.0 / (dense + 8));
            for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * s);
            b = new float[hidden];
            w2 = new float[hidden];
            double s2 = Math.sqrt(1.0 / hidden);
            for (int j = 0; j < hidden; j++) w2[j] = (float) (r.nextGaussian() * s2);
        }
    }

    @Override
    public int parameters() {
        return w.length + b.length + w2.length + (hidden > 0 ? 1 : 0);
    }

    record Options(int epochs, int batch, double learningRate, double l2, long seed) {}

    void standardise(float[][] x) {
        int n = x.length;
        double[] m = new double[dense], v = new double[dense];
        for (float[] row : x) for (int d = 0; d < dense; d++) m[d] += row[d];
        for (int d = 0; d < dense; d++) m[d] /= n;
        for (float[] row : x) for (int d = 0; d < dense; d++) {
            double e = row[d] - m[d];
            v[d] += e * e;
        }
        for (int d = 0; d < dense; d++) {
            mean[d] = (float) m[d];
            double sd = Math.sqrt(v[d] / n);
            scale[d] = (float) (sd < 1e-6 ? 1 : 1 / sd);
        }
    }

    /** Trains on the rows of {@code x} (raw features) and {@code sp} with 0/1 labels and per-row weights. */
    void fit(float[][] x, int[][] sp, boolean[] y, float[] weight, Options o) {
        standardise(x);
        int n = x.length;
        float[][] z = new float[n][];
        for (int i = 0; i < n; i++) z[i] = normalise(x[i]);
        int[] order = IntStream.range(0, n).toArray();
        Random r = new Random(o.seed());
        Adam aw = new Adam(w.length), ab = new Adam(b.length), aw2 = new Adam(w2.length), ab2 = new Adam(1);
        float[][] gw = new float[SHARDS][w.length], gb = new float[SHARDS][b.length], gw2 = new float[SHARDS][w2.length];
        double[] gb2 = new double[SHARDS];
        double totalWeight = 0;
        for (float wt : weight) totalWeight += wt;
        final double meanWeight = totalWeight / n;
        int step = 0;
        for (int epoch = 0; epoch < o.epochs(); epoch++) {
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int from = 0; from < n; from += o.batch()) {
                final int start = from;
                final int len = Math.min(n, start + o.batch()) - start;
                IntStream.range(0, SHARDS).parallel().forEach(s -> {
                    java.util.Arrays.fill(gw[s], 0);
                    java.util.Arrays.fill(gb[s], 0);
                    java.util.Arrays.fill(gw2[s], 0);
                    gb2[s] = 0;
                    int s0 = start + s * len / SHARDS, s1 = start + (s + 1) * len / SHARDS;
                    float[] h = new float[hidden];
                    for (int k = s0; k < s1; k++) {
                        int i = order[k];
                        gb2[s] += backward(z[i], sp[i], y[i], (float) (weight[i] / meanWeight), h, gw[s], gb[s], gw2[s]);
                    }
                });
                step++;
                float inv = 1f / len;
                for (int s = 1; s < SHARDS; s++) {
                    add(gw[0], gw[s]);
                    add(gb[0], gb[s]);
                    add(gw2[0], gw2[s]);
                    gb2[0] += gb2[s];
                }
                float l2 = (float) o.l2();
                for (int i = 0; i < w.length; i++) gw[0][i] = gw[0][i] * inv + l2 * w[i];
                for (int i = 0; i < b.length; i++) gb[0][i] *= inv;
                for (int i = 0; i < w2.length; i++) gw2[0][i] = gw2[0][i] * inv + l2 * w2[i];
                double lr = o.learningRate() * (0.5 * (1 + Math.cos(Math.PI * epoch / o.epochs()))) + o.learningRate() * 0.02;
                aw.step(w, gw[0], lr, step);
                ab.step(b, gb[0], lr, step);
                if (hidden > 0) {
                    aw2.step(w2, gw2[0], lr, step);
                    float[] one = {b2};
                    ab2.step(one, new float[] {(float) (gb2[0] * inv)}, lr, step);
                    b2 = one[0];
                }
            }
        }
    }

    private static void add(float[] into, float[] x) {
        for (int i = 0; i < into.length; i++) into[i] += x[i];
    }

    /** Accumulates the gradient of one row into the buffers; returns its gradient for b2. */
    private double backward(float[] x, int[] sp, boolean label, float weight, float[] h, float[] gw, float[] gb, float[] gw2) {
        int in = dense + sparse;
        if (hidden == 0) {
            double zz = b[0];
            for (int d = 0; d < dense; d++) zz += w[d] * x[d];
            for (int s : sp) zz += w[dense + s];
            float g = (float) ((sigmoid(zz) - (label ? 1 : 0)) * weight);
            for (int d = 0; d < dense; d++) gw[d] += g * x[d];
            for (int s : sp) gw[dense + s] += g;
            gb[0] += g;
            return 0;
        }
        double out = b2;
        for (int j = 0; j < hidden; j++) {
            int off = j * in;
            float a = b[j];
            for (int d = 0; d < dense; d++) a += w[off + d] * x[d];
            for (int s : sp) a += w[off + dense + s];
            h[j] = a > 0 ? a : 0;
            out += w2[j] * h[j];
        }
        float g = (float) ((sigmoid(out) - (label ? 1 : 0)) * weight);
        for (int j = 0; j < hidden; j++) {
            gw2[j] += g * h[j];
            if (h[j] <= 0) continue;
            float gj = g * w2[j];
            int off = j * in;
            for (int d = 0; d < dense; d++) gw[off + d] += gj * x[d];
            for (int s : sp) gw[off + dense + s] += gj;
            gb[j] += gj;
        }
        return g;
    }

    float[] normalise(float[] raw) {
        float[] z = new float[dense];
        for (int d = 0; d < dense; d++) z[d] = (raw[d] - mean[d]) * scale[d];
        return z;
    }

    /** The logit for raw (not yet standardised) features. */
    double logit(float[] raw, int[] sp) {
        float[] x = normalise(raw);
        int in = dense + sparse;
        if (hidden == 0) {
            double zz = b[0];
            for (int d = 0; d < dense; d++) zz += w[d] * x[d];
            for (int s : sp) zz += w[dense + s];
            return zz;
        }
        double out = b2;
        for (int j = 0; j < hidden; j++) {
            int off = j * in;
            float a = b[j];
            for (int d = 0; d < dense; d++) a += w[off + d] * x[d];
            for (int s : sp) a += w[off + dense + s];
            if (a > 0) out += w2[j] * a;
        }
        return out;
    }

    @Override
    public double probability(float[] raw, int[] sp) {
        return sigmoid(logit(raw, sp));
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    private static final class Adam {
        final float[] m, v;

        Adam(int n) {
            m = new float[n];
            v = new float[n];
        }

        void step(float[] p, float[] g, double lr, int t) {
            double c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
            for (int i = 0; i < p.length; i++) {
                m[i] = 0.9f * m[i] + 0.1f * g[i];
                v[i] = 0.999f * v[i] + 0.001f * g[i] * g[i];
                p[i] -= (float) (lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8));
            }
        }
    }
}
