package relay.core.wire;

/** A tool call in an assistant message; {@code index} is set only in streaming deltas. */
public record ToolCall(Integer index, String id, String type, FunctionCall function) {}
