package relay.core.cache;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Vectors as compact bytes for storage. Two formats, told apart by the first byte:
 * <ul>
 *   <li>{@code 1}, int8: a float32 scale (little-endian), then one signed byte per dimension,
 *       {@code value = byte * scale}; a quarter of float32's size, cosine error about 0.001 on
 *       384-dimension unit vectors (a test keeps it under 0.005).
 *   <li>{@code 2}, float32: the floats, little-endian; exact.
 * </ul>
 */
public final class VectorCodec {
    static final byte INT8 = 1;
    static final byte FLOAT32 = 2;

    private VectorCodec() {}

    /** The int8 form (the default for storage). */
    public static byte[] int8(float[] v) {
        float max = 0;
        for (float x : v) max = Math.max(max, Math.abs(x));
        float scale = max == 0 ? 1 : max / 127f;
        ByteBuffer out = ByteBuffer.allocate(5 + v.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(INT8).putFloat(scale);
        for (float x : v) out.put((byte) Math.max(-127, Math.min(127, Math.round(x / scale))));
        return out.array();
    }

    public static byte[] float32(float[] v) {
        ByteBuffer out = ByteBuffer.allocate(1 + 4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(FLOAT32);
        for (float x : v) out.putFloat(x);
        return out.array();
    }

    /** The vector of either form; IllegalArgumentException for bytes of neither. */
    public static float[] decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) throw new IllegalArgumentException("no vector bytes");
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte format = in.get();
        if (format == INT8 && bytes.length >= 5) {
            float scale = in.getFloat();
            float[] v = new float[bytes.length - 5];
            for (int i = 0; i < v.length; i++) v[i] = in.get() * scale;
            return v;
        }
        if (format == FLOAT32 && (bytes.length - 1) % 4 == 0) {
            float[] v = new float[(bytes.length - 1) / 4];
            for (int i = 0; i < v.length; i++) v[i] = in.getFloat();
            return v;
        }
        throw new IllegalArgumentException("unknown vector format " + format);
    }

    /** Cosine similarity; NaN when the lengths differ or a vector is zero. */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) return Double.NaN;
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? Double.NaN : dot / Math.sqrt(na * nb);
    }

    /** {@code v} scaled to length 1 (a copy); a zero vector stays zero. */
    public static float[] unit(float[] v) {
        double norm = 0;
        for (float x : v) norm += (double) x * x;
        if (norm == 0) return v.clone();
        float[] unit = new float[v.length];
        double scale = 1 / Math.sqrt(norm);
        for (int i = 0; i < v.length; i++) unit[i] = (float) (v[i] * scale);
        return unit;
    }
}
