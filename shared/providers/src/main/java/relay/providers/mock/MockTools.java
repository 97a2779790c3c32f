package relay.providers.mock;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatMessage;

/** How the mock decides between calling a tool and answering. Pure. */
final class MockTools {
    private MockTools() {}

    /**
     * The tool (chat's {@code {"type":"function","function":{...}}}) the answer calls, or null for a text answer:
     * the one {@code tool_choice} names; for {@code required}, the first tool the last user message names, else
     * the first tool; for {@code auto} (the default), the first tool the last message names when it is the
     * user's (not after tool results, so an agent's loop ends); never for {@code none}.
     */
    static JsonNode toolToCall(ChatCompletionRequest request) {
        List<JsonNode> functions = functions(request.tools());
        if (functions.isEmpty()) return null;
        JsonNode choice = request.toolChoice();
        if (choice != null && choice.isObject()) {
            String name = choice.path("function").path("name").asText("");
            for (JsonNode f : functions) if (f.path("function").path("name").asText().equals(name)) return f;
            return null;
        }
        String mode = choice == null || choice.isNull() ? "auto" : choice.asText();
        List<ChatMessage> messages = request.messages();
        ChatMessage last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        return switch (mode) {
            case "none" -> null;
            case "required" -> {
                JsonNode named = named(functions, request.lastUserText());
                yield named != null ? named : functions.get(0);
            }
            default -> last != null && "user".equals(last.role()) ? named(functions, last.text()) : null;
        };
    }

    /** The trailing tool results' texts joined, when the conversation ends with them; else null. */
    static String toolResults(ChatCompletionRequest request) {
        List<String> results = new ArrayList<>();
        List<ChatMessage> messages = request.messages();
        for (int i = messages.size() - 1; i >= 0 && "tool".equals(messages.get(i).role()); i--) {
            results.add(0, messages.get(i).text());
        }
        return results.isEmpty() ? null : String.join("; ", results);
    }

    private static List<JsonNode> functions(JsonNode tools) {
        List<JsonNode> functions = new ArrayList<>();
        if (tools == null || !tools.isArray()) return functions;
        for (JsonNode tool : tools) {
            boolean function = !tool.has("type") || "function".equals(tool.path("type").asText());
            if (function && tool.path("function").path("name").isTextual()) functions.add(tool);
        }
        return functions;
    }

    /** The first tool whose name the text holds as a word, in any case. */
    private static JsonNode named(List<JsonNode> functions, String text) {
        for (JsonNode f : functions) {
            String name = f.path("function").path("name").asText();
            if (Pattern.compile("(?<![\\p{Alnum}_])" + Pattern.quote(name) + "(?![\\p{Alnum}_])", Pattern.CASE_INSENSITIVE)
                    .matcher(text).find()) {
                return f;
            }
        }
        return null;
    }
}
