package relay.core.routing;

/**
 * A stream's signs of life, for the router's watch: whether the provider has sent its first chunk, and
 * when it last sent one. Written by the thread reading the stream, read by the watch.
 */
public final class StreamProgress {
    private volatile long lastChunkNanos;
    private volatile boolean started;

    /** The provider sent a chunk. */
    public void chunk() {
        lastChunkNanos = System.nanoTime();
        started = true;
    }

    public boolean started() {
        return started;
    }

    long lastChunkNanos() {
        return lastChunkNanos;
    }
}
