package relay.core.access;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** A team as stored: limits every key of the team shares, on top of each key's own. */
public record TeamRecord(
        String teamId, String teamAlias, List<String> models,
        BigDecimal maxBudget, String budgetDuration, Integer rpmLimit, Integer tpmLimit, Integer maxParallelRequests,
        ObjectNode metadata, boolean blocked, Instant createdAt, Instant updatedAt) {

    public TeamRecord {
        models = models == null ? List.of() : List.copyOf(models);
    }

    public Limits limits() {
        return new Limits(maxBudget, BudgetDurations.parse(budgetDuration), createdAt, rpmLimit, tpmLimit, maxParallelRequests);
    }

    public String counterId() {
        return "team#" + teamId;
    }

    public String label() {
        return "team '" + (teamAlias != null ? teamAlias : teamId) + "'";
    }
}
