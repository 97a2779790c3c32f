package relay.proxy;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The router's source of randomness (load balancing), re-seeded in each execution environment that
 * Lambda restores from a SnapStart snapshot: without it, every restored environment would make the
 * same "random" choices in the same order. Thread-safe, so the local server can share it.
 */
public final class ReseedableRandom implements RandomGenerator {
    private SplittableRandom random;

    public ReseedableRandom() {
        reseed();
    }

    /** A fixed sequence, for tests. */
    ReseedableRandom(long seed) {
        random = new SplittableRandom(seed);
    }

    /** A new seed from the operating system's entropy (SecureRandom reads it anew after a restore). */
    public synchronized void reseed() {
        random = new SplittableRandom(new SecureRandom().nextLong());
    }

    @Override
    public synchronized long nextLong() {
        return random.nextLong();
    }
}
