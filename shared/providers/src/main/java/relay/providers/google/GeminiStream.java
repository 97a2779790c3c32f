package relay.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import relay.core.Json;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatMessage;
import relay.core.wire.FunctionCall;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;

/**
 * Turns Gemini's stream (one {@code GenerateContentResponse} per event, no end marker) into OpenAI's
 * chunks: a role chunk per choice, content deltas, tool calls as a header delta then their arguments,
 * a finish chunk per choice, and at the end a usage-only chunk. Gemini sends whole function calls, except
 * Vertex's streamed arguments ({@code willContinue} + {@code partialArgs}), which are gathered and sent
 * when the call closes. Gemini's thoughts come as {@code reasoning_content} deltas, as LiteLLM streams them.
 */
public final class GeminiStream {
    private static final Pattern PATH_STEP = Pattern.compile("\\.([^.\\[]+)|\\[(\\d+)]|\\['([^']*)']");

    private final String fallbackModel;
    private long created;
    private final Supplier<String> ids;
    private final Consumer<ChatCompletionChunk> out;
    private final Map<Integer, Choice> choices = new TreeMap<>();
    private String id;
    private String model;
    private Usage usage;

    /** What one choice has sent so far. */
    private static final class Choice {
        int nextToolIndex;
        boolean calledTools;
        boolean finished;
        OpenCall open;
    }

    /** A function call whose arguments are still arriving. */
    private record OpenCall(int toolIndex, ObjectNode args) {}

    /** @param created epoch seconds, for {@code created} unless the first event has a {@code createTime} */
    public GeminiStream(String fallbackModel, long created, Supplier<String> ids, Consumer<ChatCompletionChunk> out) {
        this.fallbackModel = fallbackModel;
        this.created = created;
        this.ids = ids;
        this.out = out;
    }

    /** Handles one event of the stream. */
    public void accept(JsonNode event) {
        if (id == null) {
            id = GeminiResponses.text(event, "responseId", Completions.newId());
            model = GeminiResponses.text(event, "modelVersion", fallbackModel);
            created = GeminiResponses.created(event, created);
        }
        Usage counted = GeminiResponses.usage(event.get("usageMetadata")); // cumulative: the last one is the total
        if (counted != null) usage = counted;
        JsonNode candidates = event.path("candidates");
        if (candidates.isEmpty() && GeminiResponses.promptBlocked(event)) {
            finish(0, choice(0), "content_filter");
            return;
        }
        for (int i = 0; i < candidates.size(); i++) {
            JsonNode candidate = candidates.get(i);
            int index = candidate.path("index").asInt(i);
            Choice choice = choice(index);
            for (JsonNode part : candidate.path("content").path("parts")) part(index, choice, part);
            if (candidate.hasNonNull("finishReason")) {
                close(index, choice);
                finish(index, choice, GeminiResponses.finishReason(candidate.get("finishReason").asText(), choice.calledTools));
            }
        }
    }

    /** Whether every choice has finished: the stream ended as it should. */
    public boolean complete() {
        return !choices.isEmpty() && choices.values().stream().allMatch(c -> c.finished);
    }

    /** Sends the usage-only chunk, when Gemini reported usage. */
    public void end() {
        if (usage != null) out.accept(new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(), usage, null));
    }

    private Choice choice(int index) {
        Choice choice = choices.get(index);
        if (choice == null) {
            choice = new Choice();
            choices.put(index, choice);
            emit(index, new ChatMessage("assistant", TextNode.valueOf(""), null, null, null, null, null), null);
        }
        return choice;
    }

    private void part(int index, Choice choice, JsonNode part) {
        if (part.path("thought").asBoolean(false)) { // the model's reasoning: reasoning_content
            String thought = part.path("text").asText("");
            if (!thought.isEmpty()) emit(index, new ChatMessage(null, null, null, null, null, null, null, thought), null);
            return;
        }
        String text = part.path("text").asText("");
        if (!text.isEmpty()) emit(index, ChatMessage.of(null, text), null);
        JsonNode call = part.get("functionCall");
        if (call != null && call.isObject()) functionCall(index, choice, call, part.path("thoughtSignature").asText(null));
    }

    private void functionCall(int index, Choice choice, JsonNode call, String signature) {
        boolean continues = call.path("willContinue").asBoolean(false);
        if (call.hasNonNull("name")) { // a new call
            close(index, choice);
            int toolIndex = choice.nextToolIndex++;
            choice.calledTools = true;
            FunctionCall header = new FunctionCall(call.get("name").asText(), "");
            emitToolCall(index, new ToolCall(toolIndex, ToolCallIds.of(ids, signature), "function", header));
            if (continues) {
                choice.open = new OpenCall(toolIndex, call.get("args") instanceof ObjectNode args ? args.deepCopy() : Json.object());
                addPartialArgs(choice.open.args(), call.path("partialArgs"));
            } else {
                emitArguments(index, toolIndex, GeminiResponses.arguments(call.get("args")));
            }
        } else if (choice.open != null) { // more of the open call's arguments, or its end
            addPartialArgs(choice.open.args(), call.path("partialArgs"));
            if (!continues) close(index, choice);
        }
    }

    private void close(int index, Choice choice) {
        if (choice.open == null) return;
        emitArguments(index, choice.open.toolIndex(), Json.write(choice.open.args()));
        choice.open = null;
    }

    private void finish(int index, Choice choice, String reason) {
        if (choice.finished) return;
        choice.finished = true;
        emit(index, new ChatMessage(null, null, null, null, null, null, null), reason);
    }

    private void emitToolCall(int index, ToolCall call) {
        emit(index, new ChatMessage(null, null, null, List.of(call), null, null, null), null);
    }

    private void emitArguments(int index, int toolIndex, String arguments) {
        emitToolCall(index, new ToolCall(toolIndex, null, null, new FunctionCall(null, arguments)));
    }

    private void emit(int index, ChatMessage delta, String finishReason) {
        var choice = new ChatCompletionChunk.ChunkChoice(index, delta, finishReason, null);
        out.accept(new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(choice), null, null));
    }

    /** Sets each {@code partialArgs} value at its {@code jsonPath}; string pieces of one value are joined. */
    static void addPartialArgs(ObjectNode args, JsonNode partialArgs) {
        for (JsonNode partial : partialArgs) {
            JsonNode value = partialValue(partial);
            List<Object> path = path(partial.path("jsonPath").asText(""));
            if (value == null || path.isEmpty() || path.get(0) instanceof Integer) continue; // the arguments are an object
            ContainerNode<?> parent = args;
            for (int i = 0; i < path.size() - 1; i++) parent = child(parent, path.get(i), path.get(i + 1) instanceof Integer);
            Object last = path.get(path.size() - 1);
            JsonNode existing = parent instanceof ObjectNode o ? o.get((String) last)
                    : ((ArrayNode) parent).get((Integer) last);
            if (value.isTextual() && existing != null && existing.isTextual()) value = TextNode.valueOf(existing.asText() + value.asText());
            set(parent, last, value);
        }
    }

    /** The value of one partial argument (protobuf's Value: string, number, bool or null), or null for none. */
    private static JsonNode partialValue(JsonNode partial) {
        for (String field : new String[] {"stringValue", "numberValue", "boolValue"}) {
            if (partial.has(field)) return partial.get(field);
        }
        return partial.has("nullValue") ? JsonNodeFactory.instance.nullNode() : null;
    }

    /** {@code $.a.b[0]['c d']} as its steps: field names and array indexes. */
    private static List<Object> path(String jsonPath) {
        List<Object> steps = new ArrayList<>();
        if (!jsonPath.startsWith("$")) return steps;
        Matcher step = PATH_STEP.matcher(jsonPath);
        int at = 1;
        while (at < jsonPath.length() && step.find(at) && step.start() == at) {
            if (step.group(1) != null) steps.add(step.group(1));
            else if (step.group(2) != null && step.group(2).length() <= 5) steps.add(Integer.parseInt(step.group(2)));
            else if (step.group(2) != null) return List.of(); // no real argument list is that long
            else steps.add(step.group(3));
            at = step.end();
        }
        return at == jsonPath.length() ? steps : List.of();
    }

    private static ContainerNode<?> child(ContainerNode<?> parent, Object step, boolean array) {
        JsonNode existing = parent instanceof ObjectNode o ? o.get((String) step) : ((ArrayNode) parent).get((Integer) step);
        if (existing instanceof ContainerNode<?> container && container.isArray() == array) return container;
        ContainerNode<?> created = array ? JsonNodeFactory.instance.arrayNode() : JsonNodeFactory.instance.objectNode();
        set(parent, step, created);
        return created;
    }

    private static void set(ContainerNode<?> parent, Object step, JsonNode value) {
        if (parent instanceof ObjectNode object) {
            object.set((String) step, value);
        } else {
            ArrayNode array = (ArrayNode) parent;
            int index = (Integer) step;
            while (array.size() <= index) array.addNull();
            array.set(index, value);
        }
    }
}
