package relay.providers.compatible;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import relay.core.Json;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;

/**
 * Pure transforms that make an OpenAI-compatible host's answers exactly OpenAI's shape, whatever
 * small liberties the host takes: tool calls without {@code type} (Mistral) or with {@code index}
 * outside a stream (DeepSeek), stream tool-call deltas without {@code index} or repeating an empty
 * name, finish reasons OpenAI does not have, usage sent in the finish chunk instead of a usage-only
 * chunk (Groq, Mistral, DeepSeek), reasoning tokens left out of {@code completion_tokens} (xAI), and
 * stream events that carry nothing OpenAI's format can hold (Azure's prompt-filter event).
 */
public final class OpenAiCompatible {
    /** Finish reasons hosts send that OpenAI does not, mapped to OpenAI's (unknown ones become "stop", as LiteLLM does). */
    private static final Map<String, String> FINISH_REASONS = Map.ofEntries(
            Map.entry("stop", "stop"), Map.entry("length", "length"), Map.entry("tool_calls", "tool_calls"),
            Map.entry("content_filter", "content_filter"), Map.entry("function_call", "function_call"),
            Map.entry("model_length", "length"), Map.entry("max_tokens", "length"), Map.entry("tool_call", "tool_calls"),
            Map.entry("eos", "stop"), Map.entry("eos_token", "stop"), Map.entry("end_turn", "stop"),
            Map.entry("stop_sequence", "stop"));

    private OpenAiCompatible() {}

    /** OpenAI's finish reason for a host's; {@code hasToolCalls} decides an empty one (xAI sends "" with tool calls). */
    public static String finishReason(String hostReason, boolean hasToolCalls) {
        if (hostReason == null) return null;
        if (hostReason.isEmpty()) return hasToolCalls ? "tool_calls" : "stop";
        return FINISH_REASONS.getOrDefault(hostReason, "stop");
    }

    /** A host's chat answer as OpenAI's {@code chat.completion}. */
    public static ChatCompletionResponse response(JsonNode answer, Clock clock) throws IOException {
        ObjectNode root = answer.deepCopy();
        root.put("object", ChatCompletionResponse.OBJECT);
        if (!root.path("id").isTextual() || root.path("id").asText().isEmpty()) root.put("id", Completions.newId());
        if (root.path("created").asLong(0) <= 0) root.put("created", clock.instant().getEpochSecond());
        for (JsonNode choice : root.path("choices")) {
            ObjectNode message = choice.get("message") instanceof ObjectNode m ? m : ((ObjectNode) choice).putObject("message");
            boolean hasToolCalls = normalizeToolCalls(message, false);
            if (!message.hasNonNull("role")) message.put("role", "assistant");
            ((ObjectNode) choice).put("finish_reason", finishReason(choice.path("finish_reason").textValue(), hasToolCalls));
        }
        foldReasoningTokens(root.get("usage"));
        return Json.MAPPER.treeToValue(root, ChatCompletionResponse.class);
    }

    /** One stream's events as OpenAI chunks; one instance per stream (it remembers the stream's id). */
    public static final class Stream {
        private final Clock clock;
        private String fallbackId;

        public Stream(Clock clock) {
            this.clock = clock;
        }

        /**
         * The chunks for one event: none when it carries nothing OpenAI's format holds; the chunk, then a
         * separate usage-only chunk, when the host put usage into a chunk with choices.
         */
        public List<ChatCompletionChunk> chunks(JsonNode event) throws IOException {
            ObjectNode root = event.deepCopy();
            root.put("object", ChatCompletionChunk.OBJECT);
            if (!root.path("id").isTextual() || root.path("id").asText().isEmpty()) root.put("id", fallbackId());
            if (root.path("created").asLong(0) <= 0) root.put("created", clock.instant().getEpochSecond());
            JsonNode usage = root.hasNonNull("usage") ? root.get("usage") : null;
            root.remove("usage");
            ArrayNode choices = root.get("choices") instanceof ArrayNode given ? given : root.putArray("choices");
            for (int i = choices.size() - 1; i >= 0; i--) {
                if (!keepChoice((ObjectNode) choices.get(i))) choices.remove(i);
            }
            List<ChatCompletionChunk> out = new ArrayList<>(2);
            if (!choices.isEmpty()) out.add(Json.MAPPER.treeToValue(root, ChatCompletionChunk.class));
            if (usage != null) {
                foldReasoningTokens(usage);
                ObjectNode usageOnly = root.deepCopy();
                usageOnly.putArray("choices");
                usageOnly.set("usage", usage);
                out.add(Json.MAPPER.treeToValue(usageOnly, ChatCompletionChunk.class));
            }
            return out;
        }

        /** Normalises a choice in place; false when it carries nothing (for example only fields OpenAI lacks). */
        private static boolean keepChoice(ObjectNode choice) throws IOException {
            ObjectNode delta = choice.get("delta") instanceof ObjectNode d ? d : choice.putObject("delta");
            delta.properties().removeIf(field -> field.getValue().isNull()); // a null field in a delta says nothing
            boolean hasToolCalls = normalizeToolCalls(delta, true);
            String hostReason = choice.path("finish_reason").textValue();
            // mid-stream, an empty finish reason means "not finished" (some servers send "" instead of null)
            String finish = hostReason == null || hostReason.isEmpty() ? null : finishReason(hostReason, hasToolCalls);
            choice.put("finish_reason", finish);
            if (finish != null) return true;
            // Judge emptiness by what survives OpenAI's delta shape, so fields Relay's model lacks count as nothing.
            JsonNode kept = Json.MAPPER.valueToTree(Json.MAPPER.treeToValue(delta, ChatMessage.class));
            return !kept.isEmpty();
        }

        private String fallbackId() {
            if (fallbackId == null) fallbackId = Completions.newId();
            return fallbackId;
        }
    }

    /**
     * Puts a message's or delta's tool calls in OpenAI's shape; returns whether it has any. In a stream a
     * call's first delta has {@code index, id, type, function.name}; later ones only {@code index} and
     * argument fragments. Outside a stream a call has no {@code index}.
     */
    static boolean normalizeToolCalls(ObjectNode message, boolean streaming) {
        JsonNode calls = message.get("tool_calls");
        if (calls == null || !calls.isArray() || calls.isEmpty()) {
            message.remove("tool_calls");
            return false;
        }
        for (int i = 0; i < calls.size(); i++) {
            if (!(calls.get(i) instanceof ObjectNode call)) continue;
            boolean first = call.hasNonNull("id");
            if (streaming && !call.path("index").isIntegralNumber()) call.put("index", i);
            if (!streaming) call.remove("index");
            if (first || !streaming) {
                if (!call.hasNonNull("type")) call.put("type", "function");
            } else {
                call.remove("type");
                if (call.get("function") instanceof ObjectNode function && "".equals(function.path("name").textValue())) {
                    function.remove("name");
                }
            }
        }
        return true;
    }

    /**
     * Counts reasoning tokens into {@code completion_tokens} when the host left them out but counted them in
     * the total (xAI), so that total = prompt + completion as in OpenAI's usage.
     */
    static void foldReasoningTokens(JsonNode usageNode) {
        if (!(usageNode instanceof ObjectNode usage)) return;
        long reasoning = usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0);
        long prompt = usage.path("prompt_tokens").asLong(0);
        long completion = usage.path("completion_tokens").asLong(0);
        long total = usage.path("total_tokens").asLong(0);
        if (reasoning > 0 && total != prompt + completion && total == prompt + completion + reasoning) {
            usage.put("completion_tokens", completion + reasoning);
        }
    }
}
