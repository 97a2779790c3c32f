package relay.providers.bedrock;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Reads AWS's binary event stream ({@code application/vnd.amazon.eventstream}), message by message:
 * a prelude (total length u32, headers length u32, CRC32 of those 8 bytes), headers, a payload and a
 * CRC32 of everything before it, all big-endian. Both checksums are verified, so a corrupt or cut
 * frame is an error and never half-parsed JSON.
 */
public final class EventStreamDecoder {
    /** Prelude (8) + prelude CRC (4) + message CRC (4). */
    static final int OVERHEAD = 16;
    /** AWS caps a message at 16 MiB of payload and 128 KiB of headers; anything larger is corruption. */
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024 + 128 * 1024 + OVERHEAD;

    /** One message: its string headers (other header types are read past) and its payload. */
    public record Message(Map<String, String> headers, byte[] payload) {
        public String header(String name) {
            return headers.get(name);
        }

        public String payloadText() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** A frame that breaks the encoding: bad length, bad checksum, bad header, or cut short. */
    public static final class MalformedFrameException extends IOException {
        public MalformedFrameException(String message) {
            super(message);
        }
    }

    /** A well-formed message larger than the reader takes: the provider's answer is over Relay's limit. */
    public static final class MessageTooLargeException extends IOException {
        public MessageTooLargeException(long length) {
            super("a message of " + length + " bytes");
        }
    }

    private final InputStream in;
    private final long maxMessageBytes;

    public EventStreamDecoder(InputStream in) {
        this(in, MAX_MESSAGE_BYTES);
    }

    /** @param maxMessageBytes the largest message read (at most AWS's own cap); a larger one is a {@link MessageTooLargeException} */
    public EventStreamDecoder(InputStream in, long maxMessageBytes) {
        this.in = in;
        this.maxMessageBytes = Math.min(maxMessageBytes, MAX_MESSAGE_BYTES);
    }

    /** The next message, or null when the stream ended cleanly between messages. */
    public Message next() throws IOException {
        byte[] prelude = new byte[12];
        int read = in.readNBytes(prelude, 0, prelude.length);
        if (read == 0) return null;
        if (read < prelude.length) throw new MalformedFrameException("the stream ended inside a message prelude");
        ByteBuffer p = ByteBuffer.wrap(prelude);
        long totalLength = Integer.toUnsignedLong(p.getInt());
        long headersLength = Integer.toUnsignedLong(p.getInt());
        long preludeCrc = Integer.toUnsignedLong(p.getInt());
        if (crc(prelude, 0, 8) != preludeCrc) throw new MalformedFrameException("the prelude checksum does not match");
        if (totalLength < OVERHEAD || totalLength > MAX_MESSAGE_BYTES || headersLength > totalLength - OVERHEAD) {
            throw new MalformedFrameException("impossible lengths: total " + totalLength + ", headers " + headersLength);
        }
        if (totalLength > maxMessageBytes) throw new MessageTooLargeException(totalLength);
        byte[] message = new byte[(int) totalLength];
        System.arraycopy(prelude, 0, message, 0, prelude.length);
        int rest = message.length - prelude.length;
        if (in.readNBytes(message, prelude.length, rest) < rest) {
            throw new MalformedFrameException("the stream ended inside a message");
        }
        ByteBuffer m = ByteBuffer.wrap(message);
        long messageCrc = Integer.toUnsignedLong(m.getInt(message.length - 4));
        if (crc(message, 0, message.length - 4) != messageCrc) {
            throw new MalformedFrameException("the message checksum does not match");
        }
        int headersEnd = 12 + (int) headersLength;
        Map<String, String> headers = headers(m.position(12).limit(headersEnd).slice());
        byte[] payload = new byte[message.length - 4 - headersEnd];
        System.arraycopy(message, headersEnd, payload, 0, payload.length);
        return new Message(Map.copyOf(headers), payload);
    }

    /** Headers: name length u8, name, type u8, value; only strings are kept, the rest are skipped by their size. */
    private static Map<String, String> headers(ByteBuffer h) throws MalformedFrameException {
        Map<String, String> headers = new HashMap<>();
        try {
            while (h.hasRemaining()) {
                byte[] name = new byte[Byte.toUnsignedInt(h.get())];
                h.get(name);
                int type = h.get();
                switch (type) {
                    case 0, 1 -> { } // boolean true / false: the type is the value
                    case 2 -> h.position(h.position() + 1); // byte
                    case 3 -> h.position(h.position() + 2); // short
                    case 4 -> h.position(h.position() + 4); // int
                    case 5, 8 -> h.position(h.position() + 8); // long, timestamp (ms)
                    case 6 -> { // byte array: u16 length, then the bytes
                        int length = Short.toUnsignedInt(h.getShort());
                        h.position(h.position() + length);
                    }
                    case 7 -> {
                        byte[] value = new byte[Short.toUnsignedInt(h.getShort())];
                        h.get(value);
                        headers.put(new String(name, StandardCharsets.UTF_8), new String(value, StandardCharsets.UTF_8));
                    }
                    case 9 -> h.position(h.position() + 16); // uuid
                    default -> throw new MalformedFrameException("unknown header value type " + type);
                }
            }
        } catch (RuntimeException e) { // BufferUnderflow / IllegalArgument: a header runs past its block
            throw new MalformedFrameException("a header runs past the header block");
        }
        return headers;
    }

    static long crc(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return crc.getValue();
    }

    /** Reads every message to the end (for tests and small bodies). */
    public static java.util.List<Message> readAll(InputStream in) throws IOException {
        EventStreamDecoder decoder = new EventStreamDecoder(in);
        java.util.List<Message> messages = new java.util.ArrayList<>();
        for (Message message = decoder.next(); message != null; message = decoder.next()) messages.add(message);
        return messages;
    }
}
