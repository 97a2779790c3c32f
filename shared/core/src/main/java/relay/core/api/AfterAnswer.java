package relay.core.api;

/**
 * The bookkeeping of one request that waits until the client has its whole answer: storing the answer
 * in the response cache and writing the request log record. Runs once; never throws (a failing store
 * reports itself in the process log, as the stores do).
 */
@FunctionalInterface
public interface AfterAnswer {
    void run();

    AfterAnswer NOTHING = () -> {};
}
