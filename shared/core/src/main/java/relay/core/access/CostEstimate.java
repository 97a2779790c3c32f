package relay.core.access;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import relay.core.Json;
import relay.core.catalog.ModelInfo;
import relay.core.provider.Completions;
import relay.core.provider.Deployment;
import relay.core.provider.ModelRouter;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.EmbeddingRequest;

/**
 * The most a request can cost, reserved before the call so a budget cannot be overrun: the prompt
 * counted generously (a token is at least one byte of text for the tokenizers in use, plus a per-message
 * overhead; an image, audio or file part as {@value #TOKENS_PER_NON_TEXT_PART} tokens), the answer at
 * {@code max_completion_tokens} / {@code max_tokens} (times {@code n}) or else the model's longest
 * answer, at the catalog's prices of the dearest deployment of the model group. A model without a
 * catalog price costs nothing here, as it does in the request log.
 */
public final class CostEstimate {
    static final int TOKENS_PER_MESSAGE = 8;
    static final int TOKENS_PER_NON_TEXT_PART = 2_000;
    /** The answer's bound when neither the request nor the catalog gives one. */
    static final int UNKNOWN_LONGEST_ANSWER = 32_768;
    private static final Set<String> NON_TEXT_PARTS = Set.of("image_url", "image", "input_audio", "audio", "file", "document");
    private static final Set<String> PROMPT_FIELDS = Set.of("tools", "functions", "tool_choice", "response_format");

    /**
     * @param cost               the worst case in USD
     * @param promptTokensAtMost the prompt's bound that cost assumes
     * @param likelyPromptTokens the prompt as tpm counts it at once
     */
    public record Estimate(BigDecimal cost, long promptTokensAtMost, long likelyPromptTokens) {}

    private CostEstimate() {}

    public static Estimate chat(ChatCompletionRequest request, ModelRouter router) {
        long prompt = 16 + promptBytes(Json.MAPPER.valueToTree(request.messages()));
        prompt += (long) TOKENS_PER_MESSAGE * request.messages().size();
        for (String field : PROMPT_FIELDS) prompt += promptBytes(request.body().get(field));
        long answers = request.n() == null ? 1 : Math.max(1, request.n());
        Integer asked = request.maxCompletionTokens() != null ? request.maxCompletionTokens() : request.maxTokens();
        BigDecimal worst = BigDecimal.ZERO;
        for (Deployment deployment : router.route(request.model())) {
            var info = router.info(deployment);
            if (info.isEmpty()) continue;
            long completion = answers * (asked != null ? asked : longestAnswer(info.get()));
            worst = worst.max(price(info.get(), prompt, completion));
        }
        StringBuilder text = new StringBuilder();
        request.messages().forEach(m -> text.append(m.text()).append('\n'));
        long likely = Completions.estimateTokens(text.toString()) + 4L * request.messages().size();
        return new Estimate(worst, prompt, likely);
    }

    public static Estimate embedding(EmbeddingRequest request, ModelRouter router) {
        long tokens = 0;
        if (request.tokenInput()) {
            tokens = tokenCount(request.body().get("input"));
        } else {
            for (String input : request.input()) tokens += 1 + input.getBytes(StandardCharsets.UTF_8).length;
        }
        BigDecimal worst = BigDecimal.ZERO;
        for (Deployment deployment : router.route(request.model())) {
            var info = router.info(deployment);
            if (info.isPresent()) worst = worst.max(price(info.get(), tokens, 0));
        }
        long likely = 0;
        for (String input : request.input()) likely += Completions.estimateTokens(input);
        return new Estimate(worst, tokens, request.tokenInput() ? tokens : likely);
    }

    private static long longestAnswer(ModelInfo info) {
        if (info.maxOutputTokens() != null) return info.maxOutputTokens();
        if (info.maxInputTokens() != null) return info.maxInputTokens();
        return UNKNOWN_LONGEST_ANSWER;
    }

    /** An unknown price counts as 0, as the request log's cost does. */
    private static BigDecimal price(ModelInfo info, long promptTokens, long completionTokens) {
        BigDecimal in = info.inputCostPerToken() == null ? BigDecimal.ZERO : info.inputCostPerToken().multiply(BigDecimal.valueOf(promptTokens));
        BigDecimal out = info.outputCostPerToken() == null ? BigDecimal.ZERO : info.outputCostPerToken().multiply(BigDecimal.valueOf(completionTokens));
        return in.add(out);
    }

    /** Bytes of every name and string, numbers and literals as one each; a non-text part as a fixed count. */
    private static long promptBytes(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) return 0;
        if (node.isTextual()) return node.asText().getBytes(StandardCharsets.UTF_8).length;
        if (node.isValueNode()) return 1;
        if (node.isObject() && NON_TEXT_PARTS.contains(node.path("type").asText())) return TOKENS_PER_NON_TEXT_PART;
        long bytes = 1;
        if (node.isArray()) {
            for (JsonNode item : node) bytes += promptBytes(item);
            return bytes;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var field = it.next();
            bytes += field.getKey().getBytes(StandardCharsets.UTF_8).length + promptBytes(field.getValue());
        }
        return bytes;
    }

    private static long tokenCount(JsonNode input) {
        if (input == null) return 0;
        if (input.isNumber()) return 1;
        long n = 0;
        for (JsonNode item : input) n += tokenCount(item);
        return n;
    }
}
