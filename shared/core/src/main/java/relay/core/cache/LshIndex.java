package relay.core.cache;

import java.util.ArrayList;
import java.util.List;

/**
 * Random-hyperplane locality-sensitive hashing for cosine similarity, banded. Each of {@code bands}
 * bands is {@code bitsPerBand} hyperplanes; a vector's bit for a hyperplane is the sign of their dot
 * product, and its bucket in a band is that band's bits. Two vectors at angle θ agree on one bit with
 * probability {@code 1 - θ/π}, so they share a band's bucket with {@code (1 - θ/π)^R} and at least one
 * of {@code B} buckets with {@code 1 - (1 - (1 - θ/π)^R)^B}: a lookup reads the {@code B} buckets of
 * the query vector and re-ranks what it finds by exact cosine.
 *
 * <p>The defaults, 16 bands × 11 bits, were chosen by measurement (LshIndexTest, CacheLookupBench) on
 * clustered 384-dimension vectors with hits spread over [t, 1): a lookup finds 96–98% of the hits a
 * brute-force scan finds at t = 0.85, 98–100% at 0.90 and ~100% at 0.95 (a pair exactly at 0.85 is
 * found with probability 0.87, at 0.90 with 0.96). An unrelated entry lands in one of the 16 buckets
 * with probability 16/2048 ≈ 0.8%, so a lookup in a scope of N entries reads about {@code 0.0085 N}
 * items. Fewer bands: fewer Query calls, lower recall; more bits: fewer items read, lower recall
 * (20 × 11 reaches ~98% at 0.85 for 25% more reads and writes).
 *
 * <p>The hyperplanes come from a fixed seed through a generator specified here (SplitMix64 and
 * Box-Muller), never from the JDK's, so every process and every release computes the same buckets
 * for the same vector: stored entries stay reachable. Changing the seed, {@code B} or {@code R} makes
 * the stored entries unreachable (they expire by their TTL). Thread-safe and immutable.
 *
 * <p>A sentence embedder's vectors are not spread over the whole sphere: they sit in a cone around a
 * common direction (bge-small's mean vector over 40,000 questions has length 0.62). Hyperplanes through
 * the origin then split real prompts unevenly and a few buckets fill up. With a {@code center} (that
 * mean), a bit is the sign of the dot product with {@code vector - center}. On 10,000 of those questions
 * in one scope (center taken from 10,000 others, LshBucketsBench) a lookup at 11 bits reads 102 items
 * instead of 1,001 and the largest bucket holds 43 instead of 786. Changing the center, like the seed,
 * makes stored entries unreachable.
 */
public final class LshIndex {
    public static final int DEFAULT_BANDS = 16;
    public static final int DEFAULT_BITS_PER_BAND = 11;
    /**
     * Bits per band for a centered index whose hits start at {@code lowestHitCosine}: fewer bits find
     * more distant pairs and read more items. Centered buckets are even, so both choices read less than
     * the origin's 11 bits, which on 10,000 Quora questions in one scope (bge-small) read 755 items per
     * lookup and found 95.6% of the pairs at cosine 0.85 (LshBucketsBench): 10 bits read 190 items and
     * find 99.8% at 0.945, 97.5% at 0.90 (91% at 0.85); 8 bits read 703 and find 97.0% at 0.85.
     */
    public static int centeredBitsPerBand(double lowestHitCosine) {
        return lowestHitCosine >= 0.90 ? 10 : 8;
    }
    public static final long DEFAULT_SEED = 0x5EED_CAC4E_2024L;

    private final int dimensions;
    private final int bands;
    private final int bitsPerBand;
    private final long seed;
    private final float[][] planes;
    /** Each hyperplane's dot product with the center: the sign of {@code plane · v - offset} is that of {@code plane · (v - center)}. */
    private final double[] offsets;
    private final boolean centered;
    private final int hexDigits;

    public LshIndex(int dimensions, int bands, int bitsPerBand, long seed) {
        this(dimensions, bands, bitsPerBand, seed, null);
    }

    /** @param center the vectors' typical center (the embedder's mean vector), or null for the origin */
    public LshIndex(int dimensions, int bands, int bitsPerBand, long seed, float[] center) {
        if (dimensions < 1) throw new IllegalArgumentException("dimensions must be positive");
        if (bands < 1 || bands > 100) throw new IllegalArgumentException("bands must be from 1 to 100");
        if (bitsPerBand < 1 || bitsPerBand > 30) throw new IllegalArgumentException("bitsPerBand must be from 1 to 30");
        this.dimensions = dimensions;
        this.bands = bands;
        this.bitsPerBand = bitsPerBand;
        this.seed = seed;
        this.hexDigits = (bitsPerBand + 3) / 4;
        this.planes = new float[bands * bitsPerBand][dimensions];
        Gaussian random = new Gaussian(seed);
        for (float[] plane : planes) {
            for (int i = 0; i < dimensions; i++) plane[i] = (float) random.next();
        }
        if (center != null && center.length != dimensions) {
            throw new IllegalArgumentException("center has " + center.length + " dimensions, the index " + dimensions);
        }
        this.centered = center != null;
        this.offsets = new double[planes.length];
        if (center != null) {
            for (int k = 0; k < planes.length; k++) {
                double dot = 0;
                for (int i = 0; i < dimensions; i++) dot += planes[k][i] * center[i];
                offsets[k] = dot;
            }
        }
    }

    /** The default index for vectors of {@code dimensions}. */
    public static LshIndex of(int dimensions) {
        return new LshIndex(dimensions, DEFAULT_BANDS, DEFAULT_BITS_PER_BAND, DEFAULT_SEED);
    }

    public int dimensions() { return dimensions; }

    public int bands() { return bands; }

    public int bitsPerBand() { return bitsPerBand; }

    public long seed() { return seed; }

    /** Whether buckets are taken relative to a center rather than the origin. */
    public boolean centered() { return centered; }

    /** Each band's bits, as an int whose bit {@code j} is the sign of the band's {@code j}-th hyperplane. */
    public int[] signature(float[] vector) {
        if (vector.length != dimensions) {
            throw new IllegalArgumentException("vector has " + vector.length + " dimensions, the index " + dimensions);
        }
        int[] signature = new int[bands];
        for (int b = 0; b < bands; b++) {
            int bits = 0;
            for (int j = 0; j < bitsPerBand; j++) {
                float[] plane = planes[b * bitsPerBand + j];
                double dot = 0;
                for (int i = 0; i < dimensions; i++) dot += plane[i] * vector[i];
                if (dot >= offsets[b * bitsPerBand + j]) bits |= 1 << j;
            }
            signature[b] = bits;
        }
        return signature;
    }

    /** The vector's bucket in every band, as {@code <band>#<bits in hex>}: band number and bit pattern. */
    public List<String> buckets(float[] vector) {
        int[] signature = signature(vector);
        List<String> buckets = new ArrayList<>(bands);
        for (int b = 0; b < bands; b++) buckets.add(bucket(b, signature[b]));
        return buckets;
    }

    String bucket(int band, int bits) {
        String hex = Integer.toHexString(bits);
        StringBuilder id = new StringBuilder(4 + hexDigits).append(band).append('#');
        for (int i = hex.length(); i < hexDigits; i++) id.append('0');
        return id.append(hex).toString();
    }

    /** The chance that two vectors at cosine {@code similarity} (taken relative to the center, if any) share at least one bucket. */
    public double collisionProbability(double similarity) {
        double p = 1 - Math.acos(Math.max(-1, Math.min(1, similarity))) / Math.PI;
        return 1 - Math.pow(1 - Math.pow(p, bitsPerBand), bands);
    }

    /** SplitMix64 uniform doubles, Box-Muller normals: fully specified here, so stable across JDKs. */
    private static final class Gaussian {
        private long state;
        private double spare = Double.NaN;

        Gaussian(long seed) {
            this.state = seed;
        }

        private long nextLong() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        private double uniform() { // in (0, 1]
            return ((nextLong() >>> 11) + 1) * 0x1.0p-53;
        }

        double next() {
            if (!Double.isNaN(spare)) {
                double s = spare;
                spare = Double.NaN;
                return s;
            }
            double r = StrictMath.sqrt(-2 * StrictMath.log(uniform()));
            double theta = 2 * Math.PI * uniform();
            spare = r * StrictMath.sin(theta);
            return r * StrictMath.cos(theta);
        }
    }
}
