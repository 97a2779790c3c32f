package relay.core.catalog;

import java.math.BigDecimal;
import java.util.Objects;
import relay.core.wire.Usage;

/**
 * What Relay knows about one model name: who serves it, under which id, its context window, its
 * price and what it can do. Facts from LiteLLM's public price list (see {@link ModelCatalog}).
 *
 * @param name               the name clients send, as the catalog keys it ({@code gpt-4o}, {@code gemini/gemini-2.5-pro})
 * @param provider           Relay's provider prefix ({@code openai}, {@code vertex_ai}, {@code bedrock}, ...)
 * @param providerModel      the model id the provider expects ({@code gemini-2.5-pro}, {@code meta/llama-2-70b-chat})
 * @param mode               which endpoint serves it
 * @param maxInputTokens     the context window for the prompt, or null if unknown
 * @param maxOutputTokens    the most tokens one answer may have, or null if unknown
 * @param inputCostPerToken  USD per prompt token, or null if unknown
 * @param outputCostPerToken USD per completion token, or null if unknown
 * @param cacheReadCostPerToken     USD per prompt token read from the provider's prompt cache, or null when the
 *                                  provider charges them as any prompt token (or the price is unknown)
 * @param cacheCreationCostPerToken USD per prompt token written to the prompt cache (Anthropic's cache writes), or
 *                                  null when writes cost what any prompt token costs
 * @param supportsTools      tool (function) calling
 * @param supportsVision     image input
 * @param supportsJsonSchema {@code response_format} with a JSON schema
 * @param supportsReasoning  the model reasons (takes {@code reasoning_effort} or a thinking budget)
 * @param retired            the provider no longer serves it; routing still sends it there, and the
 *                           provider's own answer reaches the user as the error
 */
public record ModelInfo(
        String name, String provider, String providerModel, Mode mode,
        Integer maxInputTokens, Integer maxOutputTokens,
        BigDecimal inputCostPerToken, BigDecimal outputCostPerToken,
        BigDecimal cacheReadCostPerToken, BigDecimal cacheCreationCostPerToken,
        boolean supportsTools, boolean supportsVision, boolean supportsJsonSchema, boolean supportsReasoning, boolean retired) {

    public enum Mode { CHAT, COMPLETION, EMBEDDING }

    public ModelInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(providerModel, "providerModel");
        Objects.requireNonNull(mode, "mode");
    }

    /** Without cache prices, for a model that does not reason. */
    public ModelInfo(String name, String provider, String providerModel, Mode mode, Integer maxInputTokens, Integer maxOutputTokens,
                     BigDecimal inputCostPerToken, BigDecimal outputCostPerToken,
                     boolean supportsTools, boolean supportsVision, boolean supportsJsonSchema, boolean retired) {
        this(name, provider, providerModel, mode, maxInputTokens, maxOutputTokens, inputCostPerToken, outputCostPerToken, null, null,
                supportsTools, supportsVision, supportsJsonSchema, false, retired);
    }

    /** {@code provider/providerModel}, as {@link relay.core.provider.Deployment#id()} shows it. */
    public String id() {
        return provider + "/" + providerModel;
    }

    /**
     * The price in USD of a call with these token counts, exact (no rounding; trailing zeros
     * stripped), or null when a price it needs is unknown. A price is needed only for a non-zero
     * count: an embedding's cost needs no output price.
     */
    public BigDecimal cost(int promptTokens, int completionTokens) {
        if (promptTokens < 0 || completionTokens < 0) {
            throw new IllegalArgumentException("token counts cannot be negative: " + promptTokens + ", " + completionTokens);
        }
        BigDecimal input = part(promptTokens, inputCostPerToken);
        BigDecimal output = part(completionTokens, outputCostPerToken);
        return input == null || output == null ? null : input.add(output).stripTrailingZeros();
    }

    /**
     * The price of a response's usage (null for a null usage): prompt tokens read from the provider's cache at the
     * cache-read price and those written to it at the cache-write price, where the catalog has them (the input price
     * otherwise), the rest of the prompt at the input price, and the completion, reasoning included, at the output price.
     */
    public BigDecimal cost(Usage usage) {
        if (usage == null) return null;
        int prompt = usage.promptTokens();
        // a provider's details never count more than the prompt holds
        int read = Math.max(0, Math.min(usage.cachedTokens(), prompt));
        int written = Math.max(0, Math.min(usage.cacheCreationTokens(), prompt - read));
        BigDecimal cost = cost(prompt - read - written, usage.completionTokens());
        BigDecimal reads = part(read, cacheReadCostPerToken != null ? cacheReadCostPerToken : inputCostPerToken);
        BigDecimal writes = part(written, cacheCreationCostPerToken != null ? cacheCreationCostPerToken : inputCostPerToken);
        return cost == null || reads == null || writes == null ? null : cost.add(reads).add(writes).stripTrailingZeros();
    }

    private static BigDecimal part(int tokens, BigDecimal perToken) {
        if (tokens == 0) return BigDecimal.ZERO;
        return perToken == null ? null : perToken.multiply(BigDecimal.valueOf(tokens));
    }
}
