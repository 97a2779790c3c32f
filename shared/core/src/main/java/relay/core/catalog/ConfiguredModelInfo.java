package relay.core.catalog;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * What config says of one deployment's model ({@code model_info}, and {@code litellm_params}' prices): each
 * field set here wins over the catalog's, so a private model, a negotiated price or a smaller window is priced and
 * checked as the operator says. Null fields leave the catalog's value. A configured input price also replaces the
 * catalog's prompt-cache prices, which belong to the catalog's input price: cached tokens are then charged at it.
 *
 * @param baseModel the catalog name to take the rest from ({@code model_info.base_model}), else the deployment's own
 */
public record ConfiguredModelInfo(BigDecimal inputCostPerToken, BigDecimal outputCostPerToken, Integer maxInputTokens,
                                  Integer maxOutputTokens, String baseModel) {
    public static final ConfiguredModelInfo NONE = new ConfiguredModelInfo(null, null, null, null, null);

    public boolean isEmpty() {
        return inputCostPerToken == null && outputCostPerToken == null && maxInputTokens == null && maxOutputTokens == null
                && baseModel == null;
    }

    /**
     * The model's facts: {@code catalog}'s (the deployment's catalog entry, or its base model's) with this
     * config's fields over them; when the catalog knows nothing, only what config says.
     */
    public Optional<ModelInfo> over(Optional<ModelInfo> catalog, String name, String provider, String providerModel) {
        if (isEmpty()) return catalog;
        ModelInfo base = catalog.orElse(new ModelInfo(name, provider, providerModel, ModelInfo.Mode.CHAT,
                null, null, null, null, false, false, false, false));
        return Optional.of(new ModelInfo(base.name(), base.provider(), base.providerModel(), base.mode(),
                maxInputTokens != null ? maxInputTokens : base.maxInputTokens(),
                maxOutputTokens != null ? maxOutputTokens : base.maxOutputTokens(),
                inputCostPerToken != null ? inputCostPerToken : base.inputCostPerToken(),
                outputCostPerToken != null ? outputCostPerToken : base.outputCostPerToken(),
                inputCostPerToken != null ? null : base.cacheReadCostPerToken(),
                inputCostPerToken != null ? null : base.cacheCreationCostPerToken(),
                base.supportsTools(), base.supportsVision(), base.supportsJsonSchema(), base.supportsReasoning(), base.retired()));
    }
}
