package relay.providers.anthropic;

import relay.core.wire.ChatCompletionRequest;

/**
 * How the OpenAI answer must look, decided by the request: JSON mode returns the emulating tool's
 * input as the message content; a request with only the legacy {@code functions} gets the legacy
 * {@code function_call} back instead of {@code tool_calls}.
 */
public record AnswerShape(boolean jsonMode, boolean legacyFunctions) {
    public static final AnswerShape PLAIN = new AnswerShape(false, false);

    public static AnswerShape of(ChatCompletionRequest request) {
        String format = request.responseFormat() == null ? "text" : request.responseFormat().path("type").asText();
        boolean json = format.equals("json_object") || format.equals("json_schema");
        boolean hasTools = request.tools() != null && !request.tools().isEmpty();
        var functions = request.body().get("functions");
        boolean legacy = !hasTools && functions != null && functions.isArray() && !functions.isEmpty();
        return new AnswerShape(json, legacy);
    }
}
