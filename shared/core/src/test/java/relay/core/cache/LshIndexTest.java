package relay.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LshIndexTest {
    private static final int DIMENSIONS = 384;

    @Test
    void bucketsAreBandNumberAndBitPattern_oneABand() {
        LshIndex index = LshIndex.of(DIMENSIONS);
        List<String> buckets = index.buckets(TestVectors.sha("hello", DIMENSIONS));
        assertEquals(LshIndex.DEFAULT_BANDS, buckets.size());
        for (int b = 0; b < buckets.size(); b++) {
            assertTrue(buckets.get(b).matches(b + "#[0-9a-f]{3}"), buckets.get(b));
        }
    }

    @Test
    void theSameVector_getsTheSameBuckets_inEveryProcessAndRelease() {
        float[] v = TestVectors.sha("What is DynamoDB?", DIMENSIONS);
        assertEquals(LshIndex.of(DIMENSIONS).buckets(v), LshIndex.of(DIMENSIONS).buckets(v));
        // Pinned: if this changes, every stored semantic entry becomes unreachable. Change it only on purpose.
        assertEquals(PINNED, LshIndex.of(DIMENSIONS).buckets(v).subList(0, 4));
    }

    private static final List<String> PINNED = List.of("0#0ff", "1#3ef", "2#16a", "3#2c8");

    @Test
    void anotherSeed_givesOtherBuckets() {
        float[] v = TestVectors.sha("x", DIMENSIONS);
        assertNotEquals(LshIndex.of(DIMENSIONS).buckets(v), new LshIndex(DIMENSIONS, 16, 11, 1).buckets(v));
    }

    @Test
    void aVectorOfOtherDimensions_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> LshIndex.of(DIMENSIONS).buckets(new float[10]));
        assertThrows(IllegalArgumentException.class, () -> new LshIndex(DIMENSIONS, 0, 11, 1));
        assertThrows(IllegalArgumentException.class, () -> new LshIndex(DIMENSIONS, 16, 31, 1));
    }

    /**
     * GIVEN 3,000 entries in 150 clusters (members at cosine ~0.9 from their centre) and queries that
     * are near-duplicates of an entry at a cosine drawn uniformly from [threshold, 1),
     * WHEN the index looks up each query's 16 buckets,
     * THEN it finds a hit for at least 95% of the queries a brute-force scan finds one for,
     * and reads under 3% of the entries doing so.
     */
    @ParameterizedTest
    @ValueSource(doubles = {0.85, 0.90, 0.95})
    void findsAtLeast95PercentOfTheHitsABruteForceScanFinds(double threshold) {
        Random random = new Random(42 + (long) (threshold * 100));
        LshIndex index = LshIndex.of(DIMENSIONS);
        List<float[]> entries = clustered(random, 150, 20);
        Map<String, List<Integer>> buckets = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            for (String bucket : index.buckets(entries.get(i))) buckets.computeIfAbsent(bucket, b -> new ArrayList<>()).add(i);
        }
        int queries = 2000;
        int bruteForceHits = 0;
        int lshHits = 0;
        int sameBest = 0;
        long read = 0;
        for (int q = 0; q < queries; q++) {
            float[] target = entries.get(random.nextInt(entries.size()));
            float[] query = TestVectors.near(random, target, threshold + (1 - threshold) * random.nextDouble());
            int best = -1;
            double bestCosine = -1;
            for (int i = 0; i < entries.size(); i++) {
                double c = VectorCodec.cosine(query, entries.get(i));
                if (c > bestCosine) { bestCosine = c; best = i; }
            }
            if (bestCosine < threshold) continue;
            bruteForceHits++;
            Set<Integer> candidates = new HashSet<>();
            for (String bucket : index.buckets(query)) candidates.addAll(buckets.getOrDefault(bucket, List.of()));
            read += candidates.size();
            double lshBest = -1;
            for (int i : candidates) lshBest = Math.max(lshBest, VectorCodec.cosine(query, entries.get(i)));
            if (lshBest >= threshold) lshHits++;
            if (candidates.contains(best)) sameBest++;
        }
        double recall = (double) lshHits / bruteForceHits;
        double readFraction = (double) read / bruteForceHits / entries.size();
        System.out.printf(Locale.ROOT, "threshold %.2f: recall %.3f (best match %.3f), %d brute-force hits, %.2f%% of entries read%n",
                threshold, recall, (double) sameBest / bruteForceHits, bruteForceHits, 100 * readFraction);
        assertTrue(bruteForceHits >= queries * 0.99, "every query was built to be a hit");
        assertTrue(recall >= 0.95, "recall " + recall + " at " + threshold);
        assertTrue(readFraction < 0.03, "read " + readFraction);
    }

    @Test
    void theCollisionProbabilityFormula_matchesTheDefaults() {
        LshIndex index = LshIndex.of(DIMENSIONS);
        assertTrue(index.collisionProbability(0.95) > 0.99);
        assertTrue(index.collisionProbability(0.85) > 0.80);
        assertTrue(index.collisionProbability(0.0) < 0.01);
    }

    /** {@code clusters} random centres, each with {@code size} members at cosine 0.85–0.95 from it. */
    static List<float[]> clustered(Random random, int clusters, int size) {
        List<float[]> entries = new ArrayList<>();
        for (int c = 0; c < clusters; c++) {
            float[] centre = TestVectors.randomUnit(random, DIMENSIONS);
            for (int i = 0; i < size; i++) entries.add(TestVectors.near(random, centre, 0.85 + 0.1 * random.nextDouble()));
        }
        return entries;
    }

    /** Unit vectors in a cone around one direction, as a sentence embedder's are. */
    private static List<float[]> cone(int n, int dimensions, Random random) {
        float[] axis = new float[dimensions];
        for (int i = 0; i < dimensions; i++) axis[i] = (float) random.nextGaussian();
        List<float[]> vectors = new ArrayList<>();
        double axisNorm = 0;
        for (float x : axis) axisNorm += x * x;
        double scale = 1.6 / Math.sqrt(axisNorm); // the mean of the normalised vectors ends up near length 0.6
        for (int v = 0; v < n; v++) {
            float[] x = new float[dimensions];
            double norm = 0;
            for (int i = 0; i < dimensions; i++) {
                x[i] = (float) (axis[i] * scale + random.nextGaussian() / Math.sqrt(dimensions));
                norm += x[i] * x[i];
            }
            for (int i = 0; i < dimensions; i++) x[i] /= (float) Math.sqrt(norm);
            vectors.add(x);
        }
        return vectors;
    }

    private static int largestBucket(LshIndex index, List<float[]> vectors) {
        Map<String, Integer> counts = new HashMap<>();
        for (float[] v : vectors) for (String bucket : index.buckets(v)) counts.merge(bucket, 1, Integer::sum);
        return counts.values().stream().max(Integer::compare).orElse(0);
    }

    @Test
    void aCenter_spreadsVectorsInACone_overTheBuckets() {
        List<float[]> vectors = cone(4_000, 64, new Random(11));
        float[] center = new float[64];
        for (float[] v : vectors) for (int i = 0; i < 64; i++) center[i] += v[i] / vectors.size();

        int atOrigin = largestBucket(new LshIndex(64, 16, 11, 7), vectors);
        int centered = largestBucket(new LshIndex(64, 16, 11, 7, center), vectors);

        assertTrue(centered * 4 < atOrigin, "largest bucket centered " + centered + " vs at the origin " + atOrigin);
    }

    @Test
    void noCenter_isTheOrigin_soStoredBucketsStayReachable() {
        LshIndex before = new LshIndex(32, 4, 8, 3);
        LshIndex noCenter = new LshIndex(32, 4, 8, 3, null);
        LshIndex zero = new LshIndex(32, 4, 8, 3, new float[32]);
        for (float[] v : cone(50, 32, new Random(5))) {
            assertEquals(before.buckets(v), noCenter.buckets(v));
            assertEquals(before.buckets(v), zero.buckets(v));
        }
        assertThrows(IllegalArgumentException.class, () -> new LshIndex(32, 4, 8, 3, new float[31]));
    }
}
