package relay.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import relay.core.error.ErrorKind;

/**
 * The watch's timer wakes only for the earliest watch: a short attempt that starts while a long one is
 * open must still end at its own time, not the long one's.
 */
class AttemptWatchTest {
    private static final Duration LONG = Duration.ofMinutes(10);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aShortAttempt_startedWhileALongOneIsOpen_endsAtItsOwnTime() throws Exception {
        CountDownLatch longOpen = new CountDownLatch(1), done = new CountDownLatch(1);
        Thread longAttempt = Thread.ofPlatform().start(() -> {
            try (AttemptWatch watch = AttemptWatch.start("slow-deployment", LONG, null, LONG, LONG)) {
                longOpen.countDown();
                done.await();
                assertNull(watch.expired(), "the long attempt was not ended");
            } catch (InterruptedException e) {
                throw new AssertionError("the long attempt was interrupted", e);
            }
        });
        assertTrue(longOpen.await(WAIT.toSeconds(), TimeUnit.SECONDS));

        AttemptWatch shortWatch = AttemptWatch.start("quick-deployment", Duration.ofMillis(200), null, LONG, LONG);
        boolean interrupted;
        try (shortWatch) {
            // a blocked provider read: the watch's interrupt ends it (bounded, so a broken watch fails instead of hanging)
            interrupted = !sleepUninterrupted(WAIT);
        }
        assertTrue(interrupted, "the short attempt was ended by its watch");
        assertNotNull(shortWatch.expired());
        assertEquals(ErrorKind.REQUEST_TIMEOUT, shortWatch.expired().kind());
        assertFalse(Thread.currentThread().isInterrupted(), "closing the watch clears its interrupt");

        done.countDown();
        longAttempt.join(WAIT.toMillis());
        assertFalse(longAttempt.isAlive());
    }

    @Test
    void attemptsOneAfterAnother_eachEndWhenTheirTimeIsUp() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (AttemptWatch finished = AttemptWatch.start("fine", LONG, null, LONG, LONG)) {
                assertNull(finished.expired());
            }
            AttemptWatch late = AttemptWatch.start("late", Duration.ofMillis(50), null, LONG, LONG);
            try (late) {
                assertFalse(sleepUninterrupted(WAIT), "attempt " + i + " was ended");
            }
            assertNotNull(late.expired());
        }
    }

    /** True if the whole time passed without an interrupt. */
    private static boolean sleepUninterrupted(Duration time) {
        try {
            Thread.sleep(time);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }
}
