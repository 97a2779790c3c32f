package relay.core.cache;

import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.FunctionCall;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;

/**
 * A cached answer given back: as a response with a fresh id, or as the stream OpenAI would have sent
 * (for a {@code stream: true} request answered from the cache); and the reverse, a streamed answer
 * assembled into one response so that it can be stored.
 */
public final class Replay {
    private Replay() {}

    /** The cached answer with a new {@code id} and {@code created}; choices, model and usage as stored. */
    public static ChatCompletionResponse response(ChatCompletionResponse cached, String id, long created) {
        return new ChatCompletionResponse(id, ChatCompletionResponse.OBJECT, created, cached.model(), cached.choices(),
                cached.usage(), cached.systemFingerprint());
    }

    /**
     * The chunks of {@code response}, in OpenAI's order for each choice: a role delta, the content in
     * pieces (one per word), a refusal, each tool call (id and name, then its arguments), a chunk with
     * {@code finish_reason}; then, when the response has usage, a usage-only chunk with no choices.
     * Logprobs are not replayed.
     */
    public static List<ChatCompletionChunk> chunks(ChatCompletionResponse response) {
        String id = response.id();
        long created = response.created();
        String model = response.model();
        List<ChatCompletionResponse.Choice> choices = response.choices() == null ? List.of() : response.choices();
        if (choices.size() == 1 && plainText(choices.get(0))) {
            return Completions.chunks(id, created, model, choices.get(0).message().text(), response.usage());
        }
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        String fingerprint = response.systemFingerprint();
        for (ChatCompletionResponse.Choice choice : choices) {
            int index = choice.index();
            ChatMessage message = choice.message() == null ? ChatMessage.of("assistant", null) : choice.message();
            chunks.add(chunk(id, created, model, fingerprint, index, delta("assistant", null, null, null, null), null));
            String text = message.content() == null || message.content().isNull() ? "" : message.text();
            for (String piece : pieces(text)) {
                chunks.add(chunk(id, created, model, fingerprint, index, delta(null, piece, null, null, null), null));
            }
            if (message.refusal() != null) {
                chunks.add(chunk(id, created, model, fingerprint, index, delta(null, null, message.refusal(), null, null), null));
            }
            List<ToolCall> calls = message.toolCalls() == null ? List.of() : message.toolCalls();
            for (int i = 0; i < calls.size(); i++) {
                ToolCall call = calls.get(i);
                String name = call.function() == null ? null : call.function().name();
                String arguments = call.function() == null || call.function().arguments() == null ? "" : call.function().arguments();
                chunks.add(chunk(id, created, model, fingerprint, index, delta(null, null, null,
                        List.of(new ToolCall(i, call.id(), call.type() == null ? "function" : call.type(),
                                new FunctionCall(name, ""))), null), null));
                if (!arguments.isEmpty()) {
                    chunks.add(chunk(id, created, model, fingerprint, index, delta(null, null, null,
                            List.of(new ToolCall(i, null, null, new FunctionCall(null, arguments))), null), null));
                }
            }
            if (message.functionCall() != null) {
                chunks.add(chunk(id, created, model, fingerprint, index, delta(null, null, null, null, message.functionCall()), null));
            }
            chunks.add(chunk(id, created, model, fingerprint, index, delta(null, null, null, null, null),
                    choice.finishReason() == null ? "stop" : choice.finishReason()));
        }
        if (response.usage() != null) {
            chunks.add(new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(), response.usage(), fingerprint));
        }
        return chunks;
    }

    /**
     * The response a stream adds up to: per choice the role, the content and refusal pieces joined,
     * tool calls gathered by their index (arguments joined), the finish reason; the usage of the
     * usage chunk. The inverse of {@link #chunks}.
     */
    public static ChatCompletionResponse assemble(List<ChatCompletionChunk> chunks) {
        if (chunks.isEmpty()) throw new IllegalArgumentException("no chunks");
        ChatCompletionChunk first = chunks.get(0);
        Map<Integer, Builder> choices = new TreeMap<>();
        Usage usage = null;
        String fingerprint = null;
        for (ChatCompletionChunk chunk : chunks) {
            if (chunk.usage() != null) usage = chunk.usage();
            if (chunk.systemFingerprint() != null) fingerprint = chunk.systemFingerprint();
            if (chunk.choices() == null) continue;
            for (ChatCompletionChunk.ChunkChoice c : chunk.choices()) {
                choices.computeIfAbsent(c.index(), i -> new Builder()).add(c);
            }
        }
        List<ChatCompletionResponse.Choice> built = new ArrayList<>();
        choices.forEach((index, b) -> built.add(b.build(index)));
        return new ChatCompletionResponse(first.id(), ChatCompletionResponse.OBJECT, first.created(), first.model(), built,
                usage, fingerprint);
    }

    private static final class Builder {
        String role;
        StringBuilder content;
        StringBuilder refusal;
        final Map<Integer, String[]> tools = new TreeMap<>(); // id, type, name, arguments
        String functionName;
        StringBuilder functionArguments;
        String finishReason;

        void add(ChatCompletionChunk.ChunkChoice c) {
            if (c.finishReason() != null) finishReason = c.finishReason();
            ChatMessage d = c.delta();
            if (d == null) return;
            if (d.role() != null) role = d.role();
            if (d.content() != null && !d.content().isNull()) {
                if (content == null) content = new StringBuilder();
                content.append(d.content().asText());
            }
            if (d.refusal() != null) {
                if (refusal == null) refusal = new StringBuilder();
                refusal.append(d.refusal());
            }
            if (d.toolCalls() != null) {
                for (int i = 0; i < d.toolCalls().size(); i++) {
                    ToolCall t = d.toolCalls().get(i);
                    String[] call = tools.computeIfAbsent(t.index() == null ? i : t.index(), k -> new String[] {null, null, null, ""});
                    if (t.id() != null) call[0] = t.id();
                    if (t.type() != null) call[1] = t.type();
                    if (t.function() != null) {
                        if (t.function().name() != null && !t.function().name().isEmpty()) call[2] = t.function().name();
                        if (t.function().arguments() != null) call[3] += t.function().arguments();
                    }
                }
            }
            if (d.functionCall() != null) {
                if (d.functionCall().name() != null) functionName = d.functionCall().name();
                if (functionArguments == null) functionArguments = new StringBuilder();
                if (d.functionCall().arguments() != null) functionArguments.append(d.functionCall().arguments());
            }
        }

        ChatCompletionResponse.Choice build(int index) {
            List<ToolCall> calls = null;
            if (!tools.isEmpty()) {
                calls = new ArrayList<>();
                for (String[] t : tools.values()) {
                    calls.add(new ToolCall(null, t[0], t[1] == null ? "function" : t[1], new FunctionCall(t[2], t[3])));
                }
            }
            FunctionCall function = functionArguments == null ? null : new FunctionCall(functionName, functionArguments.toString());
            ChatMessage message = new ChatMessage(role == null ? "assistant" : role,
                    content == null ? null : TextNode.valueOf(content.toString()), null, calls, null, function,
                    refusal == null ? null : refusal.toString());
            return new ChatCompletionResponse.Choice(index, message, finishReason, null);
        }
    }

    private static boolean plainText(ChatCompletionResponse.Choice choice) {
        ChatMessage m = choice.message();
        return choice.index() == 0 && m != null && m.content() != null && m.content().isTextual()
                && (m.toolCalls() == null || m.toolCalls().isEmpty()) && m.functionCall() == null && m.refusal() == null
                && "stop".equals(choice.finishReason());
    }

    /** Words with their leading space, as Completions splits them. */
    private static List<String> pieces(String text) {
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int next = text.indexOf(' ', start + 1);
            int end = next < 0 ? text.length() : next;
            pieces.add(text.substring(start, end));
            start = end;
        }
        return pieces;
    }

    private static ChatMessage delta(String role, String content, String refusal, List<ToolCall> toolCalls, FunctionCall function) {
        return new ChatMessage(role, content == null ? null : TextNode.valueOf(content), null, toolCalls, null, function, refusal);
    }

    private static ChatCompletionChunk chunk(String id, long created, String model, String fingerprint, int index,
                                             ChatMessage delta, String finishReason) {
        var choice = new ChatCompletionChunk.ChunkChoice(index, delta, finishReason, null);
        return new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(choice), null, fingerprint);
    }
}
