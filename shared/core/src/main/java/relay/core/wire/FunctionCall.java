package relay.core.wire;

/** A function's name and its arguments as a JSON string (OpenAI sends them as text). */
public record FunctionCall(String name, String arguments) {}
