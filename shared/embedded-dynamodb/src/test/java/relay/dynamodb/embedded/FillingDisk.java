package relay.dynamodb.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Table files on a disk that can be made to fill up: while full, an append writes what still fits and then fails
 * with "No space left on device", a new file cannot be written, and (optionally) cutting a file back fails too.
 */
final class FillingDisk implements LogFile.Opener {
    private volatile long room = Long.MAX_VALUE;
    private volatile boolean truncateFails;
    private volatile boolean newFilesFail;

    /** From now on only {@code bytes} more fit; appending beyond them fails part-way. */
    void fill(long bytes, boolean truncateFails) {
        this.room = bytes;
        this.truncateFails = truncateFails;
    }

    /** Appends to existing files still fit, a whole new file (a snapshot) does not. */
    void refuseNewFiles(boolean refuse) {
        newFilesFail = refuse;
    }

    void free() {
        room = Long.MAX_VALUE;
        truncateFails = false;
        newFilesFail = false;
    }

    @Override
    public LogFile append(Path file) throws IOException {
        return new Filling(LogFile.Opener.SYSTEM.append(file));
    }

    @Override
    public LogFile create(Path file) throws IOException {
        LogFile created = LogFile.Opener.SYSTEM.create(file);
        if (!newFilesFail) {
            return new Filling(created);
        }
        return new Filling(created) {
            @Override
            public void append(ByteBuffer bytes) throws IOException {
                throw new IOException("No space left on device");
            }
        };
    }

    private class Filling implements LogFile {
        private final LogFile file;

        Filling(LogFile file) {
            this.file = file;
        }

        @Override
        public long size() throws IOException {
            return file.size();
        }

        @Override
        public void append(ByteBuffer bytes) throws IOException {
            long fits = room;
            if (bytes.remaining() <= fits) {
                if (fits != Long.MAX_VALUE) {
                    room = fits - bytes.remaining();
                }
                file.append(bytes);
                return;
            }
            ByteBuffer part = bytes.duplicate();
            part.limit(part.position() + (int) fits);
            file.append(part);
            room = 0;
            throw new IOException("No space left on device");
        }

        @Override
        public void truncate(long size) throws IOException {
            if (truncateFails) {
                throw new IOException("Input/output error");
            }
            file.truncate(size);
        }

        @Override
        public void force() throws IOException {
            file.force();
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}
