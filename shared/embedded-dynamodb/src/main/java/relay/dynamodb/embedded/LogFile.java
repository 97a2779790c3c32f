package relay.dynamodb.embedded;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file a table log writes: appended to, cut back after a failed append, forced to disk. The seam through which
 * tests make a write fail part-way, as a full disk does.
 */
interface LogFile extends Closeable {

    /** Opens table files; {@link #SYSTEM} is the real file system. */
    interface Opener {
        Opener SYSTEM = new Opener() {
            @Override
            public LogFile append(Path file) throws IOException {
                return new Channel(FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
            }

            @Override
            public LogFile create(Path file) throws IOException {
                return new Channel(FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING));
            }
        };

        /** An existing file, written at its end. */
        LogFile append(Path file) throws IOException;

        /** A new or emptied file. */
        LogFile create(Path file) throws IOException;
    }

    long size() throws IOException;

    /** Writes all of {@code bytes} at the end; when it throws, part of them may have reached the file. */
    void append(ByteBuffer bytes) throws IOException;

    /** Cuts the file back to {@code size} bytes. */
    void truncate(long size) throws IOException;

    /** Forces what was written to the storage device. */
    void force() throws IOException;

    /** A file channel. */
    record Channel(FileChannel channel) implements LogFile {
        @Override
        public long size() throws IOException {
            return channel.size();
        }

        @Override
        public void append(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }

        @Override
        public void truncate(long size) throws IOException {
            channel.truncate(size);
        }

        @Override
        public void force() throws IOException {
            channel.force(true);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
