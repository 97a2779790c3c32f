package relay.core.access;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where virtual keys, teams and their usage live. Two kinds of item:
 * <ul>
 *   <li>definitions: a key (by its {@code key_hash}) or a team (by {@code team_id}), each a JSON document
 *       with a version for optimistic writes; the key itself is never stored;
 *   <li>counters: one item of numbers per key, team or end user (spend per budget period, reservations,
 *       rate-limit windows, requests in flight), changed only by conditional {@link CounterUpdate}s.
 * </ul>
 * DynamoDB on AWS ({@code relay.aws.keys.DynamoDbAccessStore}); {@link InMemoryAccessStore} in tests.
 */
public interface AccessStore {
    enum Kind {
        KEY("key"), TEAM("team");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        /** The name stores file this kind under. */
        public String id() {
            return id;
        }
    }

    /** A definition as stored: its JSON document and its version (1 for the first write). */
    record Stored(String document, long version) {}

    /** What a counter update found: whether it was applied, and the item as it was before (empty map: none). */
    record CounterResult(boolean applied, Map<String, BigDecimal> before) {}

    Optional<Stored> find(Kind kind, String id);

    /**
     * Writes the document when the stored version is {@code expectedVersion} (0: when there is none),
     * as version {@code expectedVersion + 1}; false when another write came first.
     */
    boolean put(Kind kind, String id, String document, long expectedVersion);

    /**
     * Removes {@code oldId} at {@code oldVersion} and writes {@code newId} (which must not exist) in one
     * atomic step: a regenerated key replaces the old one; false when either condition fails.
     */
    boolean replace(Kind kind, String oldId, long oldVersion, String newId, String document);

    /** Whether there was something to delete. */
    boolean delete(Kind kind, String id);

    /** Every definition of the kind. */
    List<Stored> all(Kind kind);

    /** Applies the update atomically when its conditions hold on the item as it is. */
    CounterResult update(String counterId, CounterUpdate update);

    /** The counter item's numbers; an empty map when there is none. */
    Map<String, BigDecimal> counters(String counterId);

    void deleteCounters(String counterId);
}
