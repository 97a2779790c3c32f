package relay.core.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorCodecTest {

    @Test
    void int8_isOneByteADimensionPlusAHeader_littleEndianScale() {
        float[] v = {0.5f, -0.25f, 0f, 0.125f};
        byte[] bytes = VectorCodec.int8(v);
        assertEquals(5 + v.length, bytes.length);
        assertEquals(1, bytes[0], "format byte: int8");
        float scale = ByteBuffer.wrap(bytes, 1, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        assertEquals(0.5f / 127, scale, 1e-9);
        assertEquals(127, bytes[5]);
        assertEquals(-63.5, bytes[6], 0.5);
    }

    @Test
    void int8_keepsTheCosineWithinAFewThousandths_on384DimensionUnitVectors() {
        Random random = new Random(7);
        double worst = 0;
        for (int i = 0; i < 500; i++) {
            float[] a = TestVectors.randomUnit(random, 384);
            float[] b = TestVectors.near(random, a, 0.85 + 0.15 * random.nextDouble());
            double exact = VectorCodec.cosine(a, b);
            double quantized = VectorCodec.cosine(VectorCodec.decode(VectorCodec.int8(a)), b);
            worst = Math.max(worst, Math.abs(exact - quantized));
        }
        assertTrue(worst < 0.005, "worst cosine error " + worst);
    }

    @Test
    void float32_roundTripsExactly() {
        float[] v = TestVectors.sha("hello", 384);
        byte[] bytes = VectorCodec.float32(v);
        assertEquals(1 + 4 * 384, bytes.length);
        assertEquals(2, bytes[0]);
        assertEquals(v[0], ByteBuffer.wrap(bytes, 1, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat());
        assertArrayEquals(v, VectorCodec.decode(bytes));
    }

    @Test
    void unknownBytes_areRejected() {
        assertThrows(IllegalArgumentException.class, () -> VectorCodec.decode(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> VectorCodec.decode(new byte[] {9, 1, 2}));
        assertThrows(IllegalArgumentException.class, () -> VectorCodec.decode(new byte[] {2, 1, 2}));
    }

    @Test
    void cosine_ofDifferentLengthsOrZeroVectors_isNaN() {
        assertTrue(Double.isNaN(VectorCodec.cosine(new float[2], new float[3])));
        assertTrue(Double.isNaN(VectorCodec.cosine(new float[2], new float[] {1, 0})));
        assertEquals(1, VectorCodec.cosine(new float[] {1, 1}, new float[] {2, 2}), 1e-9);
    }

    @Test
    void unit_scalesToLengthOne_andKeepsTheDirection() {
        float[] unit = VectorCodec.unit(new float[] {3, 4});
        assertArrayEquals(new float[] {0.6f, 0.8f}, unit, 1e-6f);
        assertArrayEquals(new float[] {0, 0}, VectorCodec.unit(new float[] {0, 0}), 0f);
    }
}
