package relay.core.wire;

import java.util.List;

/** OpenAI's {@code GET /models} answer. */
public record ModelList(String object, List<Model> data) {

    public record Model(String id, String object, long created, String ownedBy) {
        public static Model of(String id, String ownedBy) {
            return new Model(id, "model", 0L, ownedBy);
        }
    }

    public static ModelList of(List<Model> models) {
        return new ModelList("list", models);
    }
}
