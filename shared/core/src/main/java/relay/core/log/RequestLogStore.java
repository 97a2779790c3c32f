package relay.core.log;

import java.util.List;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

/** Where request records go. {@code write} never throws: a failing store must not fail the request. */
public interface RequestLogStore {
    void write(RequestLog record);

    /** Records matching the query, newest first; stores that cannot search say so with a 404. */
    default List<RequestLog> find(LogQuery query) {
        throw new RelayException(ErrorKind.NOT_FOUND, "This Relay keeps no searchable request log.");
    }

    RequestLogStore DISCARD = record -> {};
}
