package relay.providers.bedrock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import relay.testing.FakeBedrock;

/** The binary event-stream framing: known-good bytes, every header type, and every way a frame breaks. */
class EventStreamDecoderTest {
    /** aws-c-event-stream's test message: header content-type=application/json, payload {'foo':'bar'}. */
    static final byte[] KNOWN = HexFormat.of().parseHex("0000003d0000002007fd83960c636f6e74656e742d74797065"
            + "0700106170706c69636174696f6e2f6a736f6e7b27666f6f273a27626172277d8d9c08b1");

    @Test
    void decodesAwsReferenceMessage() throws IOException {
        List<EventStreamDecoder.Message> messages = EventStreamDecoder.readAll(new ByteArrayInputStream(KNOWN));

        assertEquals(1, messages.size());
        assertEquals(Map.of("content-type", "application/json"), messages.get(0).headers());
        assertEquals("{'foo':'bar'}", messages.get(0).payloadText());
    }

    @Test
    void theFakeServersEncoder_producesTheReferenceBytes() {
        byte[] encoded = FakeBedrock.frame(Map.of("content-type", "application/json"), "{'foo':'bar'}".getBytes(StandardCharsets.UTF_8));

        assertArrayEquals(KNOWN, encoded);
    }

    @Test
    void readsConsecutiveMessages_thenNullAtTheCleanEnd() throws IOException {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(FakeBedrock.event("messageStart", "{\"role\":\"assistant\"}"));
        stream.writeBytes(FakeBedrock.exceptionFrame("throttlingException", "slow down"));
        var decoder = new EventStreamDecoder(new ByteArrayInputStream(stream.toByteArray()));

        var first = decoder.next();
        var second = decoder.next();

        assertEquals("messageStart", first.header(":event-type"));
        assertEquals("event", first.header(":message-type"));
        assertEquals("{\"role\":\"assistant\"}", first.payloadText());
        assertEquals("exception", second.header(":message-type"));
        assertEquals("throttlingException", second.header(":exception-type"));
        assertNull(decoder.next());
    }

    @Test
    void skipsEveryNonStringHeaderTypeByItsSize_andKeepsTheStrings() throws IOException {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        header(headers, "t", 0, new byte[0]);
        header(headers, "f", 1, new byte[0]);
        header(headers, "b", 2, new byte[] {7});
        header(headers, "s", 3, new byte[] {0, 7});
        header(headers, "i", 4, new byte[] {0, 0, 0, 7});
        header(headers, "l", 5, new byte[8]);
        header(headers, "bytes", 6, new byte[] {0, 3, 1, 2, 3});
        header(headers, ":event-type", 7, withLength("contentBlockStop"));
        header(headers, "ts", 8, new byte[8]);
        header(headers, "uuid", 9, new byte[16]);
        byte[] frame = frame(headers.toByteArray(), "{}".getBytes(StandardCharsets.UTF_8));

        var message = new EventStreamDecoder(new ByteArrayInputStream(frame)).next();

        assertEquals(Map.of(":event-type", "contentBlockStop"), message.headers());
        assertEquals("{}", message.payloadText());
    }

    @Test
    void aBadPreludeChecksum_isAMalformedFrame() {
        byte[] bad = KNOWN.clone();
        bad[11] ^= 1;
        assertMalformed(bad, "prelude checksum");
    }

    @Test
    void aBadMessageChecksum_isAMalformedFrame() {
        byte[] bad = KNOWN.clone();
        bad[bad.length - 6] ^= 1; // a payload byte
        assertMalformed(bad, "message checksum");
    }

    @Test
    void aStreamCutInsideAMessage_isAMalformedFrame() {
        assertMalformed(java.util.Arrays.copyOf(KNOWN, KNOWN.length - 3), "ended inside a message");
        assertMalformed(java.util.Arrays.copyOf(KNOWN, 5), "prelude");
    }

    @Test
    void impossibleLengths_areAMalformedFrame() {
        ByteBuffer prelude = ByteBuffer.allocate(12).putInt(8).putInt(0);
        prelude.putInt((int) crc(prelude.array(), 8));
        assertMalformed(prelude.array(), "impossible lengths");
    }

    @Test
    void aHeaderRunningPastItsBlock_isAMalformedFrame() {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        header(headers, "x", 7, new byte[] {0, 50, 'a'}); // claims 50 bytes, has 1
        assertMalformed(frame(headers.toByteArray(), new byte[0]), "header");
    }

    @Test
    void aMessageOverTheReadersLimit_isTooLarge_knownFromItsPrelude() throws IOException {
        byte[] big = FakeBedrock.event("contentBlockDelta", "{\"text\":\"" + "z".repeat(5000) + "\"}");
        byte[] prelude = java.util.Arrays.copyOf(big, 12); // the rest never arrives: the length alone decides

        var e = assertThrows(EventStreamDecoder.MessageTooLargeException.class,
                () -> new EventStreamDecoder(new ByteArrayInputStream(prelude), 4096).next());

        assertTrue(e.getMessage().contains(String.valueOf(big.length)), e.getMessage());
        assertEquals("contentBlockDelta", new EventStreamDecoder(new ByteArrayInputStream(big), big.length).next().header(":event-type"));
    }

    static void assertMalformed(byte[] bytes, String words) {
        var e = assertThrows(EventStreamDecoder.MalformedFrameException.class,
                () -> EventStreamDecoder.readAll(new ByteArrayInputStream(bytes)));
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }

    static void header(ByteArrayOutputStream out, String name, int type, byte[] value) {
        out.write(name.length());
        out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
        out.write(type);
        out.writeBytes(value);
    }

    static byte[] withLength(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + bytes.length).putShort((short) bytes.length).put(bytes).array();
    }

    static byte[] frame(byte[] headers, byte[] payload) {
        int total = 16 + headers.length + payload.length;
        ByteBuffer frame = ByteBuffer.allocate(total).putInt(total).putInt(headers.length);
        frame.putInt((int) crc(frame.array(), 8)).put(headers).put(payload);
        frame.putInt((int) crc(frame.array(), total - 4));
        return frame.array();
    }

    static long crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }
}
