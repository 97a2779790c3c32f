package relay.core.access;

import java.util.List;

/**
 * LiteLLM's {@code models} lists: empty, {@code *} or {@code all-proxy-models} allow every model;
 * else exact model group names, and {@code provider/*} for every model of a provider.
 */
final class ModelAccess {
    private ModelAccess() {}

    static boolean allows(List<String> models, String model) {
        if (models.isEmpty()) return true;
        for (String allowed : models) {
            if (allowed.equals("*") || allowed.equals("all-proxy-models") || allowed.equals(model)) return true;
            if (allowed.endsWith("/*") && model.startsWith(allowed.substring(0, allowed.length() - 1))) return true;
        }
        return false;
    }
}
