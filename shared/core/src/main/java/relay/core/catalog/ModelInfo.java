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
 * @param supportsTools      tool (function) calling
 * @param supportsVision     image input
 * @param supportsJsonSchema {@code response_format} with a JSON schema
 * @param retired            the provider no longer serves it; routing still sends it there, and the
 *                           provider's own answer reaches the user as the error
 */
public record ModelInfo(
        String name, String provider, String providerModel, Mode mode,
        Integer maxInputTokens, Integer maxOutputTokens,
        BigDecimal inputCostPerToken, BigDecimal outputCostPerToken,
        boolean supportsTools, boolean supportsVision, boolean supportsJsonSchema, boolean retired) {

    public enum Mode { CHAT, COMPLETION, EMBEDDING }

    public ModelInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(providerModel, "providerModel");
        Objects.requireNonNull(mode, "mode");
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

    /** {@link #cost(int, int)} of a response's usage; null for a null usage. */
    public BigDecimal cost(Usage usage) {
        return usage == null ? null : cost(usage.promptTokens(), usage.completionTokens());
    }

    private static BigDecimal part(int tokens, BigDecimal perToken) {
        if (tokens == 0) return BigDecimal.ZERO;
        return perToken == null ? null : perToken.multiply(BigDecimal.valueOf(tokens));
    }
}
