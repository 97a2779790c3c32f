package relay.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;

/**
 * One message of a conversation, also used as a streaming delta. {@code content} is a string, an
 * array of content parts, or null (an assistant turn that only calls tools). {@code reasoning_content}
 * is the model's reasoning (thinking) where the provider returns it, as LiteLLM names it.
 */
public record ChatMessage(
        String role,
        JsonNode content,
        String name,
        List<ToolCall> toolCalls,
        String toolCallId,
        FunctionCall functionCall,
        String refusal,
        String reasoningContent) {

    /** A message without reasoning. */
    public ChatMessage(String role, JsonNode content, String name, List<ToolCall> toolCalls, String toolCallId,
                       FunctionCall functionCall, String refusal) {
        this(role, content, name, toolCalls, toolCallId, functionCall, refusal, null);
    }

    public static ChatMessage of(String role, String text) {
        return new ChatMessage(role, text == null ? null : TextNode.valueOf(text), null, null, null, null, null);
    }

    /** The message's text: the string content, or its text parts joined; empty when there is none. */
    public String text() {
        if (content == null || content.isNull()) return "";
        if (content.isTextual()) return content.asText();
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if ("text".equals(part.path("type").asText()) && part.hasNonNull("text")) {
                if (!text.isEmpty()) text.append('\n');
                text.append(part.get("text").asText());
            }
        }
        return text.toString();
    }
}
