package relay.providers.mock;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.provider.Completions;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.FunctionCall;
import relay.core.wire.ToolCall;
import relay.core.wire.Usage;

/**
 * A deterministic model for demos and tests, with no network. It answers with the last user message
 * ("Mock answer to: ..."), and honours what agents rely on:
 * <ul>
 *   <li>{@code tools} / {@code tool_choice}: it calls a tool, with arguments that fit the tool's JSON schema
 *       ({@link SchemaExample}), when {@code tool_choice} is {@code required} or names a function, or when it
 *       is {@code auto} (or absent) and the last user message names one of the tools; after tool results it
 *       answers with them ("Mock answer from the tools: ...");
 *   <li>{@code n}: that many choices;
 *   <li>{@code response_format}: a JSON object for {@code json_object}, JSON that fits the schema for
 *       {@code json_schema} (its strings hold the answer);
 *   <li>{@code reasoning_effort} (or LiteLLM's {@code thinking}): a {@code reasoning_content} before the answer.
 * </ul>
 * Streams carry the same answer in OpenAI's chunks (reasoning and text word by word, tool arguments in
 * pieces). It embeds a text as a unit vector derived from its SHA-256 (same text, same vector).
 */
public final class MockProvider implements Provider {
    static final int DEFAULT_DIMENSIONS = 64;
    /** Tool arguments stream in pieces of this many characters, as providers send them. */
    static final int ARGUMENT_PIECE = 16;

    private final Clock clock;

    public MockProvider(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String name() { return "mock"; }

    @Override
    public String defaultKeyName() { return null; }

    /** One choice's answer: reasoning (or null), text (or null when it calls a tool), the tool call (or null). */
    record Answer(String reasoning, String text, ToolCall toolCall) {
        String finishReason() {
            return toolCall == null ? "stop" : "tool_calls";
        }

        int tokens() {
            int tokens = reasoningTokens() + (text == null ? 0 : Completions.estimateTokens(text));
            if (toolCall != null) tokens += Completions.estimateTokens(toolCall.function().name() + toolCall.function().arguments());
            return tokens;
        }

        int reasoningTokens() {
            return reasoning == null ? 0 : Completions.estimateTokens(reasoning);
        }
    }

    /** The answer text for a plain request: the same request always gets the same answer. */
    static String answer(ChatCompletionRequest request) {
        return "Mock answer to: " + request.lastUserText();
    }

    /** The answer of choice {@code index}: the same request always gets the same answers. */
    static Answer answer(ChatCompletionRequest request, int index) {
        String reasoning = reasoning(request);
        JsonNode tool = MockTools.toolToCall(request);
        if (tool != null) {
            JsonNode function = tool.path("function");
            String name = function.path("name").asText();
            JsonNode parameters = function.path("parameters");
            String arguments = Json.write(parameters.isObject() ? SchemaExample.of(parameters, "mock") : Json.object());
            String id = "call_" + digest(request.messages().size() + "\n" + index + "\n" + name + "\n" + arguments).substring(0, 24);
            return new Answer(reasoning, null, new ToolCall(null, id, "function", new FunctionCall(name, arguments)));
        }
        String toolResults = MockTools.toolResults(request);
        String text = toolResults != null ? "Mock answer from the tools: " + toolResults : answer(request);
        return new Answer(reasoning, formatted(request, text), null);
    }

    /** The text as {@code response_format} asks: as it is, in a JSON object, or as JSON that fits the schema. */
    private static String formatted(ChatCompletionRequest request, String text) {
        JsonNode format = request.responseFormat();
        if (format == null) return text;
        return switch (format.path("type").asText()) {
            case "json_object" -> Json.write(Json.object().put("answer", text));
            case "json_schema" -> Json.write(SchemaExample.of(format.path("json_schema").path("schema"), text));
            default -> text;
        };
    }

    /** Reasoning when the request asks for it ({@code reasoning_effort} other than none, or {@code thinking} enabled). */
    private static String reasoning(ChatCompletionRequest request) {
        JsonNode body = request.body();
        String effort = body.path("reasoning_effort").asText("");
        if (effort.isEmpty() && "enabled".equals(body.path("thinking").path("type").asText())) effort = "thinking";
        if (effort.isEmpty() || effort.equals("none")) return null;
        return "Mock reasoning (" + effort + " effort) about: " + request.lastUserText();
    }

    private static List<Answer> answers(ChatCompletionRequest request) {
        int n = request.n() == null ? 1 : request.n();
        List<Answer> answers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) answers.add(answer(request, i));
        return answers;
    }

    @Override
    public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
        List<Answer> answers = answers(call.request());
        List<ChatCompletionResponse.Choice> choices = new ArrayList<>(answers.size());
        for (int i = 0; i < answers.size(); i++) {
            Answer a = answers.get(i);
            ChatMessage message = new ChatMessage("assistant", a.text() == null ? null : TextNode.valueOf(a.text()), null,
                    a.toolCall() == null ? null : List.of(a.toolCall()), null, null, null, a.reasoning());
            choices.add(new ChatCompletionResponse.Choice(i, message, a.finishReason(), null));
        }
        return new ChatCompletionResponse(Completions.newId(), ChatCompletionResponse.OBJECT, clock.instant().getEpochSecond(),
                call.deployment().providerModel(), choices, usage(call.request(), answers), null);
    }

    @Override
    public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
        List<Answer> answers = answers(call.request());
        String id = Completions.newId();
        long created = clock.instant().getEpochSecond();
        String model = call.deployment().providerModel();
        for (int i = 0; i < answers.size(); i++) {
            Answer a = answers.get(i);
            chunks.accept(chunk(id, created, model, i, new ChatMessage("assistant", null, null, null, null, null, null), null));
            if (a.reasoning() != null) {
                for (String word : words(a.reasoning())) {
                    chunks.accept(chunk(id, created, model, i, new ChatMessage(null, null, null, null, null, null, null, word), null));
                }
            }
            if (a.text() != null) {
                for (String word : words(a.text())) chunks.accept(chunk(id, created, model, i, ChatMessage.of(null, word), null));
            }
            if (a.toolCall() != null) {
                FunctionCall function = a.toolCall().function();
                chunks.accept(chunk(id, created, model, i, toolDelta(new ToolCall(0, a.toolCall().id(), "function",
                        new FunctionCall(function.name(), ""))), null));
                String arguments = function.arguments();
                for (int at = 0; at < arguments.length(); at += ARGUMENT_PIECE) {
                    String piece = arguments.substring(at, Math.min(arguments.length(), at + ARGUMENT_PIECE));
                    chunks.accept(chunk(id, created, model, i, toolDelta(new ToolCall(0, null, null, new FunctionCall(null, piece))), null));
                }
            }
            chunks.accept(chunk(id, created, model, i, new ChatMessage(null, null, null, null, null, null, null), a.finishReason()));
        }
        chunks.accept(new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(), usage(call.request(), answers), null));
    }

    private static ChatMessage toolDelta(ToolCall call) {
        return new ChatMessage(null, null, null, List.of(call), null, null, null);
    }

    private static ChatCompletionChunk chunk(String id, long created, String model, int index, ChatMessage delta, String finishReason) {
        var choice = new ChatCompletionChunk.ChunkChoice(index, delta, finishReason, null);
        return new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(choice), null, null);
    }

    /** The text in word-sized pieces, each with the space before it, as {@link Completions#chunks} splits it. */
    private static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int next = text.indexOf(' ', start + 1);
            int end = next < 0 ? text.length() : next;
            words.add(text.substring(start, end));
            start = end;
        }
        return words;
    }

    @Override
    public EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
        EmbeddingRequest request = call.request();
        if (request.tokenInput()) {
            throw RelayException.invalid("input", "The mock provider embeds text only; send 'input' as strings.");
        }
        int dimensions = request.dimensions() == null ? DEFAULT_DIMENSIONS : request.dimensions();
        List<float[]> vectors = new ArrayList<>();
        int tokens = 0;
        for (String text : request.input()) {
            vectors.add(vector(text, dimensions));
            tokens += Completions.estimateTokens(text);
        }
        return new EmbeddingResult(vectors, tokens);
    }

    private static Usage usage(ChatCompletionRequest request, List<Answer> answers) {
        int prompt = request.messages().stream().mapToInt(m -> Completions.estimateTokens(m.text())).sum();
        Usage usage = Usage.of(prompt, answers.stream().mapToInt(Answer::tokens).sum());
        int reasoning = answers.stream().mapToInt(Answer::reasoningTokens).sum();
        return reasoning == 0 ? usage : usage.withDetails(null, reasoning);
    }

    static String digest(String text) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    static float[] vector(String text, int dimensions) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] seed = sha.digest(text.getBytes(StandardCharsets.UTF_8));
            float[] v = new float[dimensions];
            double norm = 0;
            for (int i = 0; i < dimensions; i++) {
                if (i > 0 && i % seed.length == 0) seed = sha.digest(seed);
                v[i] = seed[i % seed.length] / 128f;
                norm += v[i] * v[i];
            }
            float scale = (float) (1 / Math.sqrt(norm == 0 ? 1 : norm));
            for (int i = 0; i < dimensions; i++) v[i] *= scale;
            return v;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
