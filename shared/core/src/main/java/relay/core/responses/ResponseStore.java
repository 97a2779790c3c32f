package relay.core.responses;

import java.util.Optional;

/** Where responses created with {@code store} (the default) are kept, by id; entries expire. */
public interface ResponseStore {
    /** Keeps the response; a failure is thrown (the caller reports it and the answer still goes out). */
    void put(StoredResponse response);

    /** The response, unless unknown or expired. */
    Optional<StoredResponse> get(String id);

    /** Forgets the response; whether it was there. */
    boolean delete(String id);
}
