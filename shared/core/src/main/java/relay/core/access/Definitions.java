package relay.core.access;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.List;
import java.util.Optional;
import relay.core.Json;

/** Keys and teams as typed records over the store's JSON documents. */
final class Definitions {
    record Versioned<T>(T record, long version) {}

    private final AccessStore store;

    Definitions(AccessStore store) {
        this.store = store;
    }

    Optional<Versioned<KeyRecord>> key(String keyHash) {
        return store.find(AccessStore.Kind.KEY, keyHash).map(s -> new Versioned<>(read(s.document(), KeyRecord.class), s.version()));
    }

    Optional<Versioned<TeamRecord>> team(String teamId) {
        return store.find(AccessStore.Kind.TEAM, teamId).map(s -> new Versioned<>(read(s.document(), TeamRecord.class), s.version()));
    }

    boolean putKey(KeyRecord key, long expectedVersion) {
        return store.put(AccessStore.Kind.KEY, key.keyHash(), Json.write(key), expectedVersion);
    }

    boolean replaceKey(String oldHash, long oldVersion, KeyRecord key) {
        return store.replace(AccessStore.Kind.KEY, oldHash, oldVersion, key.keyHash(), Json.write(key));
    }

    boolean putTeam(TeamRecord team, long expectedVersion) {
        return store.put(AccessStore.Kind.TEAM, team.teamId(), Json.write(team), expectedVersion);
    }

    boolean delete(AccessStore.Kind kind, String id) {
        return store.delete(kind, id);
    }

    void deleteCounters(String counterId) {
        store.deleteCounters(counterId);
    }

    List<KeyRecord> keys() {
        return store.all(AccessStore.Kind.KEY).stream().map(s -> read(s.document(), KeyRecord.class)).toList();
    }

    List<TeamRecord> teams() {
        return store.all(AccessStore.Kind.TEAM).stream().map(s -> read(s.document(), TeamRecord.class)).toList();
    }

    private static <T> T read(String document, Class<T> type) {
        try {
            return Json.MAPPER.readValue(document, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored " + type.getSimpleName() + " is not readable", e);
        }
    }
}
