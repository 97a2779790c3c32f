package relay.core.api;

/**
 * The bookkeeping of one request that waits until the client has its whole answer: storing the answer
 * in the response cache and writing the request log record. Runs once; never throws (a failing store
 * reports itself in the process log, as the stores do), with one exception: when the request raised a JVM
 * {@link Error} (an OutOfMemoryError, a StackOverflowError), the client got its 500 and the record is written,
 * and then run() rethrows that Error, so that the transport's thread, and the process's own handling of a fatal
 * error (the Lambda runtime replaces the instance), still see it: a JVM that ran out of memory once is not
 * trusted to be healthy because one request was answered.
 */
@FunctionalInterface
public interface AfterAnswer {
    void run();

    AfterAnswer NOTHING = () -> {};
}
