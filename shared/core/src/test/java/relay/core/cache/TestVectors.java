package relay.core.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;

/** Vectors for the cache tests: random unit vectors, near-duplicates at a chosen cosine, and the mock provider's. */
final class TestVectors {
    private TestVectors() {}

    static float[] randomUnit(Random random, int dimensions) {
        float[] v = new float[dimensions];
        for (int i = 0; i < dimensions; i++) v[i] = (float) random.nextGaussian();
        return normalize(v);
    }

    /** A unit vector whose cosine with the unit vector {@code a} is {@code cosine} (to float precision). */
    static float[] near(Random random, float[] a, double cosine) {
        float[] r = randomUnit(random, a.length);
        double dot = 0;
        for (int i = 0; i < a.length; i++) dot += r[i] * a[i];
        for (int i = 0; i < a.length; i++) r[i] -= (float) (dot * a[i]);
        normalize(r);
        double sine = Math.sqrt(1 - cosine * cosine);
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) b[i] = (float) (cosine * a[i] + sine * r[i]);
        return normalize(b);
    }

    static float[] normalize(float[] v) {
        double norm = 0;
        for (float x : v) norm += x * x;
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < v.length; i++) v[i] *= scale;
        return v;
    }

    /** The mock provider's embedding (relay.providers.mock.MockProvider): a unit vector from the text's SHA-256. */
    static float[] sha(String text, int dimensions) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] seed = sha.digest(text.getBytes(StandardCharsets.UTF_8));
            float[] v = new float[dimensions];
            double norm = 0;
            for (int i = 0; i < dimensions; i++) {
                if (i > 0 && i % seed.length == 0) seed = sha.digest(seed);
                v[i] = seed[i % seed.length] / 128f;
                norm += v[i] * v[i];
            }
            float scale = (float) (1 / Math.sqrt(norm == 0 ? 1 : norm));
            for (int i = 0; i < dimensions; i++) v[i] *= scale;
            return v;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
