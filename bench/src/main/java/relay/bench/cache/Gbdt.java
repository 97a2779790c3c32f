package relay.bench.cache;

import java.util.Arrays;

/**
 * Gradient-boosted regression trees on the log loss, plain Java, for a few dense features: each feature
 * is cut into at most {@code bins} quantile bins on the training rows, trees grow level by level to
 * {@code depth} with Newton leaf values and an L2 penalty {@code lambda}. Deterministic (no sampling).
 */
final class Gbdt {
    final int trees, depth, bins;
    final double shrinkage, lambda, minHessian;
    float[][] cuts;      // per feature, ascending cut points: bin = number of cuts < x
    int[][] feature;     // per tree, per internal node (heap order), the feature split on (-1: no split)
    int[][] threshold;   // per tree, per internal node, go right when bin > threshold
    float[][] leaf;      // per tree, per leaf (heap order at the last level)
    double base;

    Gbdt(int trees, int depth, int bins, double shrinkage, double lambda, double minHessian) {
        this.trees = trees;
        this.depth = depth;
        this.bins = bins;
        this.shrinkage = shrinkage;
        this.lambda = lambda;
        this.minHessian = minHessian;
    }

    int parameters() {
        int p = 0;
        for (int t = 0; t < feature.length; t++) p += 2 * feature[t].length + leaf[t].length;
        return p;
    }

    void fit(float[][] x, boolean[] y, float[] weight) {
        int n = x.length, d = x[0].length;
        cuts = new float[d][];
        byte[][] bx = new byte[n][d];
        for (int f = 0; f < d; f++) {
            float[] col = new float[n];
            for (int i = 0; i < n; i++) col[i] = x[i][f];
            Arrays.sort(col);
            float[] c = new float[bins - 1];
            int k = 0;
            for (int b = 1; b < bins; b++) {
                float v = col[(int) ((long) b * (n - 1) / bins)];
                if (k == 0 || v > c[k - 1]) c[k++] = v;
            }
            cuts[f] = Arrays.copyOf(c, k);
            for (int i = 0; i < n; i++) bx[i][f] = (byte) bin(cuts[f], x[i][f]);
        }
        double pos = 0, tot = 0;
        for (int i = 0; i < n; i++) {
            tot += weight[i];
            if (y[i]) pos += weight[i];
        }
        base = Math.log(pos / (tot - pos));
        double[] score = new double[n];
        Arrays.fill(score, base);
        feature = new int[trees][];
        threshold = new int[trees][];
        leaf = new float[trees][];
        double[] g = new double[n], h = new double[n];
        int[] node = new int[n];
        int internal = (1 << depth) - 1;
        for (int t = 0; t < trees; t++) {
            for (int i = 0; i < n; i++) {
                double p = PairModel.sigmoid(score[i]);
                g[i] = (p - (y[i] ? 1 : 0)) * weight[i];
                h[i] = Math.max(p * (1 - p), 1e-6) * weight[i];
            }
            int[] feat = new int[internal], thr = new int[internal];
            Arrays.fill(feat, -1);
            Arrays.fill(node, 0);
            for (int level = 0; level < depth; level++) {
                int first = (1 << level) - 1, count = 1 << level;
                double[][][] hg = new double[count][d][bins], hh = new double[count][d][bins];
                for (int i = 0; i < n; i++) {
                    int nd = node[i] - first;
                    for (int f = 0; f < d; f++) {
                        hg[nd][f][bx[i][f]] += g[i];
                        hh[nd][f][bx[i][f]] += h[i];
                    }
                }
                for (int nd = 0; nd < count; nd++) {
                    double G = 0, H = 0;
                    for (int b = 0; b < bins; b++) {
                        G += hg[nd][0][b];
                        H += hh[nd][0][b];
                    }
                    double parent = G * G / (H + lambda), bestGain = 1e-9;
                    for (int f = 0; f < d; f++) {
                        double gl = 0, hl = 0;
                        for (int b = 0; b < cuts[f].length; b++) {
                            gl += hg[nd][f][b];
                            hl += hh[nd][f][b];
                            double gr = G - gl, hr = H - hl;
                            if (hl < minHessian || hr < minHessian) continue;
                            double gain = gl * gl / (hl + lambda) + gr * gr / (hr + lambda) - parent;
                            if (gain > bestGain) {
                                bestGain = gain;
                                feat[first + nd] = f;
                                thr[first + nd] = b;
                            }
                        }
                    }
                }
                for (int i = 0; i < n; i++) {
                    int nd = node[i];
                    int f = feat[nd];
                    boolean right = f >= 0 && bx[i][f] > thr[nd];
                    node[i] = 2 * nd + (right ? 2 : 1);
                }
            }
            int leaves = 1 << depth;
            double[] lg = new double[leaves], lh = new double[leaves];
            for (int i = 0; i < n; i++) {
                int l = node[i] - internal;
                lg[l] += g[i];
                lh[l] += h[i];
            }
            float[] lv = new float[leaves];
            for (int l = 0; l < leaves; l++) lv[l] = (float) (-shrinkage * lg[l] / (lh[l] + lambda));
            for (int i = 0; i < n; i++) score[i] += lv[node[i] - internal];
            feature[t] = feat;
            threshold[t] = thr;
            leaf[t] = lv;
        }
    }

    private static int bin(float[] cuts, float v) {
        int lo = 0, hi = cuts.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cuts[mid] < v) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    double probability(float[] x) {
        double s = base;
        int internal = (1 << depth) - 1;
        for (int t = 0; t < feature.length; t++) {
            int nd = 0;
            for (int level = 0; level < depth; level++) {
                int f = feature[t][nd];
                boolean right = f >= 0 && bin(cuts[f], x[f]) > threshold[t][nd];
                nd = 2 * nd + (right ? 2 : 1);
            }
            s += leaf[t][nd - internal];
        }
        return PairModel.sigmoid(s);
    }
}
