package relay.core.wire;

import java.util.Locale;
import relay.core.error.RelayException;

/**
 * OpenAI's {@code reasoning_effort} and its counterpart elsewhere, a budget of thinking tokens
 * (Anthropic's {@code thinking.budget_tokens}, Gemini's {@code thinkingBudget}, Bedrock's
 * {@code reasoning_config}). The budgets are LiteLLM's, so a request behaves as it did there.
 */
public enum ReasoningEffort {
    MINIMAL(1024), LOW(1024), MEDIUM(2048), HIGH(4096);

    /** Anthropic's smallest thinking budget. */
    public static final int MIN_BUDGET = 1024;

    private final int budgetTokens;

    ReasoningEffort(int budgetTokens) {
        this.budgetTokens = budgetTokens;
    }

    /** The thinking budget in tokens this effort stands for. */
    public int budgetTokens() {
        return budgetTokens;
    }

    /** The wire value: {@code minimal}, {@code low}, {@code medium}, {@code high}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The effort whose budget is the nearest at or above {@code budgetTokens}; {@code high} above all of them. */
    public static ReasoningEffort forBudget(int budgetTokens) {
        if (budgetTokens <= LOW.budgetTokens) return LOW;
        if (budgetTokens <= MEDIUM.budgetTokens) return MEDIUM;
        return HIGH;
    }

    /** Parses the wire value; {@code field} names it in the 400 for any other value. */
    public static ReasoningEffort parse(String value, String field) {
        if (value != null) {
            for (ReasoningEffort effort : values()) if (effort.wire().equals(value)) return effort;
        }
        throw RelayException.invalid(field, "'" + field + "' must be one of minimal, low, medium, high"
                + (value == null ? "." : ", not '" + value + "'."));
    }
}
