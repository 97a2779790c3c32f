package relay.core.access;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/**
 * One entity's limits (a key's, a team's or an end user's); null means no limit of that kind.
 *
 * @param budgetDuration how often spend resets ({@code budget_duration}); null: never
 * @param budgetAnchor   when the first budget period began (the entity's creation)
 */
public record Limits(BigDecimal maxBudget, Duration budgetDuration, Instant budgetAnchor,
                     Integer rpmLimit, Integer tpmLimit, Integer maxParallelRequests) {

    public static final Limits NONE = new Limits(null, null, Instant.EPOCH, null, null, null);

    public Limits {
        budgetAnchor = budgetAnchor == null ? Instant.EPOCH : budgetAnchor;
    }

    public boolean any() {
        return maxBudget != null || rpmLimit != null || tpmLimit != null || maxParallelRequests != null;
    }

    boolean windows() {
        return rpmLimit != null || tpmLimit != null;
    }

    /** The start of the budget period {@code now} falls in, in epoch seconds; 0 when spend never resets. */
    long periodStart(Instant now) {
        if (budgetDuration == null) return 0;
        long length = budgetDuration.toSeconds();
        long elapsed = Math.max(0, now.getEpochSecond() - budgetAnchor.getEpochSecond());
        return budgetAnchor.getEpochSecond() + elapsed / length * length;
    }

    /** When the current period's spend resets; null when it never does. */
    public Instant budgetResetAt(Instant now) {
        return budgetDuration == null ? null : Instant.ofEpochSecond(periodStart(now)).plus(budgetDuration);
    }
}
