package relay.core.log;

/** Where request records go. A store never throws: a failing store must not fail the request. */
public interface RequestLogStore {
    void write(RequestLog record);

    RequestLogStore DISCARD = record -> {};
}
