package relay.core.wire;

/**
 * Token counts of one call, as OpenAI reports them: {@code prompt_tokens} includes the cached prompt
 * tokens and {@code completion_tokens} the reasoning tokens, so the cost counts reasoning as output.
 * The details are there when the provider reported them (null otherwise).
 */
public record Usage(int promptTokens, int completionTokens, int totalTokens,
                    PromptTokensDetails promptTokensDetails, CompletionTokensDetails completionTokensDetails) {

    /**
     * @param cachedTokens        {@code cached_tokens}: prompt tokens read from the provider's prompt cache
     * @param cacheCreationTokens {@code cache_creation_tokens} (LiteLLM's name): prompt tokens written to the cache,
     *                            where the provider reports and charges them apart (Anthropic, Bedrock)
     */
    public record PromptTokensDetails(Integer cachedTokens, Integer cacheCreationTokens) {
        public PromptTokensDetails(Integer cachedTokens) {
            this(cachedTokens, null);
        }
    }

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
                cachedTokens == null ? promptTokensDetails : new PromptTokensDetails(cachedTokens,
                        promptTokensDetails == null ? null : promptTokensDetails.cacheCreationTokens()),
                reasoningTokens == null ? completionTokensDetails : new CompletionTokensDetails(reasoningTokens));
    }

    /**
     * These counts with the prompt tokens written to the provider's cache; null or none leaves them out (a write of
     * nothing changes no price, and Anthropic reports 0 on every answer).
     */
    public Usage withCacheCreation(Integer cacheCreationTokens) {
        if (cacheCreationTokens == null || cacheCreationTokens <= 0) return this;
        return new Usage(promptTokens, completionTokens, totalTokens,
                new PromptTokensDetails(promptTokensDetails == null ? null : promptTokensDetails.cachedTokens(), cacheCreationTokens),
                completionTokensDetails);
    }

    /** Prompt tokens written to the provider's cache; 0 when not reported. */
    public int cacheCreationTokens() {
        return promptTokensDetails == null || promptTokensDetails.cacheCreationTokens() == null ? 0 : promptTokensDetails.cacheCreationTokens();
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
