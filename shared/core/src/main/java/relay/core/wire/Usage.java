package relay.core.wire;

/**
 * Token counts of one call, as OpenAI reports them: {@code prompt_tokens} includes the cached prompt
 * tokens and {@code completion_tokens} the reasoning tokens, so the cost counts reasoning as output.
 * The details are there when the provider reported them (null otherwise).
 */
public record Usage(int promptTokens, int completionTokens, int totalTokens,
                    PromptTokensDetails promptTokensDetails, CompletionTokensDetails completionTokensDetails) {

    /** {@code cached_tokens}: prompt tokens read from the provider's prompt cache. */
    public record PromptTokensDetails(Integer cachedTokens) {}

    /** {@code reasoning_tokens}: the model's reasoning (thinking), counted in the completion. */
    public record CompletionTokensDetails(Integer reasoningTokens) {}

    /** Without details. */
    public Usage(int promptTokens, int completionTokens, int totalTokens) {
        this(promptTokens, completionTokens, totalTokens, null, null);
    }

    public static Usage of(int promptTokens, int completionTokens) {
        return new Usage(promptTokens, completionTokens, promptTokens + completionTokens);
    }

    /**
     * These counts with the details a provider reported: null leaves a detail out (the provider gave
     * none), any count (zero too) is reported.
     */
    public Usage withDetails(Integer cachedTokens, Integer reasoningTokens) {
        return new Usage(promptTokens, completionTokens, totalTokens,
                cachedTokens == null ? promptTokensDetails : new PromptTokensDetails(cachedTokens),
                reasoningTokens == null ? completionTokensDetails : new CompletionTokensDetails(reasoningTokens));
    }

    /** Cached prompt tokens; 0 when not reported. */
    public int cachedTokens() {
        return promptTokensDetails == null || promptTokensDetails.cachedTokens() == null ? 0 : promptTokensDetails.cachedTokens();
    }

    /** Reasoning tokens in the completion; 0 when not reported. */
    public int reasoningTokens() {
        return completionTokensDetails == null || completionTokensDetails.reasoningTokens() == null ? 0
                : completionTokensDetails.reasoningTokens();
    }
}
