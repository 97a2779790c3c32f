package relay.providers.textcompletion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.provider.Completions;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.Usage;
import relay.providers.compatible.OpenAiCompatible;

/**
 * Pure transforms between a chat request/answer and OpenAI's legacy {@code /completions} API, whose
 * input is one {@code prompt} string and whose answer is {@code choices[].text}.
 */
public final class TextCompletions {
    /** Chat fields that have no place in a completions request. */
    private static final List<String> CHAT_ONLY = List.of("messages", "max_completion_tokens", "stream", "stream_options");

    private TextCompletions() {}

    /**
     * The prompt for a conversation: the text of each message in order, joined by a blank line, so a
     * single user message is sent exactly as written and earlier turns come before it as plain text.
     * Images and other non-text parts cannot be sent to a text model: a 400 names the first.
     */
    public static String prompt(List<ChatMessage> messages) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode content = messages.get(i).content();
            if (content != null && content.isArray()) {
                for (int p = 0; p < content.size(); p++) {
                    if (!"text".equals(content.get(p).path("type").asText())) {
                        String param = "messages[" + i + "].content[" + p + "]";
                        throw RelayException.invalid(param, "'" + param + "' is a '" + content.get(p).path("type").asText()
                                + "' part; text completion models take text only.");
                    }
                }
            }
            String text = messages.get(i).text();
            if (!text.isEmpty()) texts.add(text);
        }
        return String.join("\n\n", texts);
    }

    /** The completions body: the chat body's sampling fields and any unknown fields, with {@code prompt} for the messages. */
    public static ObjectNode request(ChatCompletionRequest request, String model) {
        ObjectNode body = request.providerBody(model);
        JsonNode maxCompletionTokens = body.get("max_completion_tokens");
        body.remove(CHAT_ONLY);
        if (maxCompletionTokens != null && !maxCompletionTokens.isNull()) body.set("max_tokens", maxCompletionTokens);
        body.put("prompt", prompt(request.messages()));
        return body;
    }

    /** A completions answer as a chat answer: each {@code choices[i].text} becomes an assistant message. */
    public static ChatCompletionResponse response(JsonNode answer, Clock clock) {
        List<ChatCompletionResponse.Choice> choices = new ArrayList<>();
        for (JsonNode choice : answer.path("choices")) {
            choices.add(new ChatCompletionResponse.Choice(choice.path("index").asInt(choices.size()),
                    ChatMessage.of("assistant", choice.path("text").asText("")),
                    OpenAiCompatible.finishReason(choice.path("finish_reason").textValue(), false), null));
        }
        return new ChatCompletionResponse(id(answer), ChatCompletionResponse.OBJECT, created(answer, clock),
                answer.path("model").asText(null), List.copyOf(choices), usage(answer.get("usage")),
                answer.path("system_fingerprint").asText(null));
    }

    /** One stream's completion events as chat chunks; one instance per stream (it remembers which choices began). */
    public static final class Stream {
        private final Clock clock;
        private final Set<Integer> started = new HashSet<>();
        private String fallbackId;

        public Stream(Clock clock) {
            this.clock = clock;
        }

        /**
         * The chunks for one event: a choice's first text arrives with {@code role: assistant}, later ones
         * as content deltas, the finish reason on its own; usage becomes a usage-only chunk.
         */
        public List<ChatCompletionChunk> chunks(JsonNode event) {
            String id = event.path("id").isTextual() ? event.get("id").asText() : fallbackId();
            long created = created(event, clock);
            String model = event.path("model").asText(null);
            String fingerprint = event.path("system_fingerprint").asText(null);
            List<ChatCompletionChunk.ChunkChoice> choices = new ArrayList<>();
            for (JsonNode choice : event.path("choices")) {
                int index = choice.path("index").asInt(0);
                String text = choice.path("text").asText("");
                String finish = OpenAiCompatible.finishReason(choice.path("finish_reason").textValue(), false);
                boolean first = started.add(index);
                if (text.isEmpty() && !first && finish == null) continue;
                ChatMessage delta = new ChatMessage(first ? "assistant" : null,
                        text.isEmpty() && !first ? null : Json.MAPPER.getNodeFactory().textNode(text), null, null, null, null, null);
                choices.add(new ChatCompletionChunk.ChunkChoice(index, delta, finish, null));
            }
            List<ChatCompletionChunk> out = new ArrayList<>(2);
            if (!choices.isEmpty()) {
                out.add(new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.copyOf(choices), null, fingerprint));
            }
            Usage usage = usage(event.get("usage"));
            if (usage != null) out.add(new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, List.of(), usage, fingerprint));
            return out;
        }

        private String fallbackId() {
            if (fallbackId == null) fallbackId = Completions.newId();
            return fallbackId;
        }
    }

    private static String id(JsonNode answer) {
        return answer.path("id").isTextual() ? answer.get("id").asText() : Completions.newId();
    }

    private static long created(JsonNode answer, Clock clock) {
        long created = answer.path("created").asLong(0);
        return created > 0 ? created : clock.instant().getEpochSecond();
    }

    private static Usage usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) return null;
        int prompt = usage.path("prompt_tokens").asInt(0);
        int completion = usage.path("completion_tokens").asInt(0);
        return new Usage(prompt, completion, usage.path("total_tokens").asInt(prompt + completion));
    }
}
