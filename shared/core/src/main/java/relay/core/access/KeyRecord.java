package relay.core.access;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * A virtual key as stored: never the key itself, only its SHA-256 ({@code key_hash}, as the request
 * log has it) and a display name ({@code sk-...abcd}). {@code keyId} stays the same when the key is
 * regenerated, so its spend carries over.
 *
 * @param models         model groups the key may use; empty or {@code *} for all
 * @param budgetDuration LiteLLM's string ({@code 30d}); null: spend never resets
 * @param expires        when the key stops working; null: never
 * @param allowedRoutes  LiteLLM's {@code allowed_routes}: the routes the key may call ({@link AllowedRoutes}); empty for all
 */
public record KeyRecord(
        String keyId, String keyHash, String keyName, String keyAlias, List<String> models,
        BigDecimal maxBudget, String budgetDuration, Integer rpmLimit, Integer tpmLimit, Integer maxParallelRequests,
        Instant expires, String teamId, String userId, ObjectNode metadata, boolean blocked,
        Instant createdAt, Instant updatedAt, List<String> allowedRoutes) {

    public KeyRecord {
        models = models == null ? List.of() : List.copyOf(models);
        allowedRoutes = allowedRoutes == null ? List.of() : List.copyOf(allowedRoutes);
    }

    public Limits limits() {
        return new Limits(maxBudget, BudgetDurations.parse(budgetDuration), createdAt, rpmLimit, tpmLimit, maxParallelRequests);
    }

    public String counterId() {
        return "key#" + keyId;
    }

    /** How messages name the key: its alias, else its display name. */
    public String label() {
        return "key '" + (keyAlias != null ? keyAlias : keyName) + "'";
    }

    public boolean expiredAt(Instant now) {
        return expires != null && !now.isBefore(expires);
    }
}
