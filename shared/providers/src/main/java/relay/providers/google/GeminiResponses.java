package relay.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import relay.core.Json;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.FunctionCall;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;

/** Gemini's {@code GenerateContentResponse} as OpenAI's {@code chat.completion}; the parts streaming shares too. */
public final class GeminiResponses {
    /** Gemini's reasons for stopping because of a filter (safety, recitation, blocklists, personal data). */
    private static final Set<String> FILTERED = Set.of(
            "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT");

    private GeminiResponses() {}

    /**
     * @param fallbackModel the model id when the answer names none ({@code modelVersion})
     * @param now           epoch seconds, for {@code created} when the answer has no {@code createTime}
     * @param ids           makes tool call ids (Gemini gives none)
     * @throws IllegalArgumentException when the answer has neither candidates nor a block reason
     */
    public static ChatCompletionResponse toOpenAi(JsonNode body, String fallbackModel, long now, Supplier<String> ids) {
        List<ChatCompletionResponse.Choice> choices = new ArrayList<>();
        JsonNode candidates = body.path("candidates");
        if (candidates.isEmpty()) {
            if (!promptBlocked(body)) throw new IllegalArgumentException("an answer without candidates");
            choices.add(new ChatCompletionResponse.Choice(0, ChatMessage.of("assistant", ""), "content_filter", null));
        }
        for (int i = 0; i < candidates.size(); i++) choices.add(choice(candidates.get(i), i, ids));
        return new ChatCompletionResponse(text(body, "responseId", Completions.newId()), ChatCompletionResponse.OBJECT,
                created(body, now), text(body, "modelVersion", fallbackModel), choices, usage(body.get("usageMetadata")), null);
    }

    private static ChatCompletionResponse.Choice choice(JsonNode candidate, int position, Supplier<String> ids) {
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (part.path("thought").asBoolean(false)) { // the model's reasoning, not its answer: reasoning_content
                reasoning.append(part.path("text").asText(""));
                continue;
            }
            if (part.path("text").isTextual()) text.append(part.get("text").asText());
            JsonNode call = part.get("functionCall");
            if (call != null && call.hasNonNull("name")) {
                String id = ToolCallIds.of(ids, part.path("thoughtSignature").asText(null));
                calls.add(new ToolCall(null, id, "function", new FunctionCall(call.get("name").asText(), arguments(call.get("args")))));
            }
        }
        // OpenAI sends null content beside tool calls, and a string otherwise
        TextNode content = calls.isEmpty() || !text.isEmpty() ? TextNode.valueOf(text.toString()) : null;
        ChatMessage message = new ChatMessage("assistant", content, null, calls.isEmpty() ? null : calls, null, null, null,
                reasoning.isEmpty() ? null : reasoning.toString());
        String reason = finishReason(candidate.path("finishReason").asText(null), !calls.isEmpty());
        return new ChatCompletionResponse.Choice(candidate.path("index").asInt(position), message, reason, null);
    }

    /** OpenAI's finish_reason for Gemini's {@code finishReason}; a stop with function calls is {@code tool_calls}. */
    public static String finishReason(String reason, boolean calledTools) {
        if ("MAX_TOKENS".equals(reason)) return "length";
        if (reason != null && FILTERED.contains(reason)) return "content_filter";
        return calledTools ? "tool_calls" : "stop";
    }

    /** Whether Gemini refused the prompt itself ({@code promptFeedback.blockReason}), answering nothing. */
    public static boolean promptBlocked(JsonNode body) {
        return body.path("promptFeedback").hasNonNull("blockReason");
    }

    /**
     * The call's token counts, or null when it reports none; reasoning ("thoughts") tokens count as completion
     * and are its reasoning tokens; {@code cachedContentTokenCount} (part of the prompt) are the cached tokens.
     */
    public static Usage usage(JsonNode metadata) {
        if (metadata == null || !(metadata.has("promptTokenCount") || metadata.has("totalTokenCount"))) return null;
        int prompt = metadata.path("promptTokenCount").asInt(0);
        int completion = metadata.path("candidatesTokenCount").asInt(0) + metadata.path("thoughtsTokenCount").asInt(0);
        int total = metadata.has("totalTokenCount") ? metadata.get("totalTokenCount").asInt() : prompt + completion;
        return new Usage(prompt, completion, total).withDetails(count(metadata, "cachedContentTokenCount"), count(metadata, "thoughtsTokenCount"));
    }

    private static Integer count(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isNumber() ? value.asInt() : null;
    }

    /** A call's arguments as OpenAI sends them: a JSON object in a string. */
    static String arguments(JsonNode args) {
        return args == null || args.isNull() ? "{}" : Json.write(args);
    }

    static String text(JsonNode body, String field, String fallback) {
        JsonNode value = body.get(field);
        return value != null && value.isTextual() && !value.asText().isEmpty() ? value.asText() : fallback;
    }

    /** Vertex says when it answered ({@code createTime}); the Gemini API does not. */
    static long created(JsonNode body, long now) {
        String time = text(body, "createTime", null);
        if (time == null) return now;
        try {
            return Instant.parse(time).getEpochSecond();
        } catch (DateTimeParseException e) {
            return now;
        }
    }
}
