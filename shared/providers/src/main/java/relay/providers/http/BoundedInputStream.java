package relay.providers.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** A provider's body read through a limit: past {@code maxBytes} a read fails, so no answer is held beyond it. */
final class BoundedInputStream extends FilterInputStream {
    /** The body went past its limit. */
    static final class LimitExceededException extends IOException {
        LimitExceededException(long limit) {
            super("more than " + limit + " bytes");
        }
    }

    private final long maxBytes;
    private long read;

    BoundedInputStream(InputStream in, long maxBytes) {
        super(in);
        this.maxBytes = maxBytes;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) count(1);
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        // never ask for more than one byte past the limit: enough to know it was exceeded
        long room = maxBytes - read + 1;
        int n = super.read(buffer, offset, (int) Math.min(length, Math.max(1, room)));
        if (n > 0) count(n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(Math.min(n, maxBytes - read + 1));
        if (skipped > 0) count(skipped);
        return skipped;
    }

    private void count(long n) throws LimitExceededException {
        read += n;
        if (read > maxBytes) throw new LimitExceededException(maxBytes);
    }
}
