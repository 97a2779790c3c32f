package relay.bench.cache;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Brute-force nearest stored entries: for each query, the k stored vectors of highest cosine (dot
 * product of unit vectors), best first. Blocked so that a tile of stored vectors stays in cache while a
 * block of queries is scored against it.
 */
final class TopK {
    private static final int QUERY_BLOCK = 16;
    private static final int STORED_TILE = 512;

    final int[][] index;
    final float[][] cosine;

    private TopK(int[][] index, float[][] cosine) {
        this.index = index;
        this.cosine = cosine;
    }

    /**
     * As {@link #search}, kept in {@code reuseDir} (null: not kept) next to the vectors of {@code vectors}'
     * model: a brute-force search of 20,000 × 20,000 takes about two minutes on 2 busy cores.
     */
    static TopK search(EmbeddedPairs vectors, int k, Path reuseDir) {
        Path file = reuseDir == null ? null
                : reuseDir.resolve("qqp-top" + k + "-" + vectors.model + "-" + vectors.a.length + ".bin");
        if (file != null && Files.exists(file)) {
            TopK cached = read(file, vectors.b.length, k);
            if (cached != null) return cached;
        }
        TopK top = search(vectors.a, vectors.b, k);
        if (file != null) top.write(file);
        return top;
    }

    private void write(Path file) {
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(index.length);
            out.writeInt(index.length == 0 ? 0 : index[0].length);
            for (int q = 0; q < index.length; q++) {
                for (int c = 0; c < index[q].length; c++) {
                    out.writeInt(index[q][c]);
                    out.writeFloat(cosine[q][c]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** null when the file cannot be read or was written for another number of queries or k. */
    private static TopK read(Path file, int queries, int k) {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != queries || in.readInt() != k) return null;
            int[][] index = new int[queries][k];
            float[][] cosine = new float[queries][k];
            for (int q = 0; q < queries; q++) {
                for (int c = 0; c < k; c++) {
                    index[q][c] = in.readInt();
                    cosine[q][c] = in.readFloat();
                }
            }
            return new TopK(index, cosine);
        } catch (IOException e) {
            return null;
        }
    }

    static TopK search(float[][] stored, float[][] queries, int k) {
        int n = queries.length;
        int[][] index = new int[n][k];
        float[][] cosine = new float[n][k];
        for (int q = 0; q < n; q++) {
            Arrays.fill(index[q], -1);
            Arrays.fill(cosine[q], Float.NEGATIVE_INFINITY);
        }
        int blocks = (n + QUERY_BLOCK - 1) / QUERY_BLOCK;
        IntStream.range(0, blocks).parallel().forEach(b -> {
            int q0 = b * QUERY_BLOCK, q1 = Math.min(n, q0 + QUERY_BLOCK);
            for (int s0 = 0; s0 < stored.length; s0 += STORED_TILE) {
                int s1 = Math.min(stored.length, s0 + STORED_TILE);
                for (int q = q0; q < q1; q++) {
                    float[] v = queries[q];
                    float[] bestC = cosine[q];
                    int[] bestI = index[q];
                    for (int s = s0; s < s1; s++) {
                        float c = dot(v, stored[s]);
                        if (c > bestC[k - 1]) insert(bestC, bestI, c, s);
                    }
                }
            }
        });
        return new TopK(index, cosine);
    }

    private static void insert(float[] bestC, int[] bestI, float c, int s) {
        int j = bestC.length - 1;
        while (j > 0 && bestC[j - 1] < c) {
            bestC[j] = bestC[j - 1];
            bestI[j] = bestI[j - 1];
            j--;
        }
        bestC[j] = c;
        bestI[j] = s;
    }

    private static float dot(float[] a, float[] b) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = 0;
        for (; i + 7 < a.length; i += 8) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
            s4 += a[i + 4] * b[i + 4];
            s5 += a[i + 5] * b[i + 5];
            s6 += a[i + 6] * b[i + 6];
            s7 += a[i + 7] * b[i + 7];
        }
        for (; i < a.length; i++) s0 += a[i] * b[i];
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }
}
