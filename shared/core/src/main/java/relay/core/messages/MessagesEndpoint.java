package relay.core.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import relay.core.Json;
import relay.core.api.ApiRequest;
import relay.core.api.Endpoint;
import relay.core.api.EndpointCall;
import relay.core.error.RelayException;
import relay.core.gateway.Gateway;
import relay.core.gateway.NativeCaching;
import relay.core.gateway.Passthrough;
import relay.core.provider.Completions;
import relay.core.provider.NativeMessages;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatMessage;
import relay.core.wire.RequestParser;
import relay.core.wire.Usage;

/**
 * Anthropic's Messages API, {@code POST /v1/messages} and {@code POST /v1/messages/count_tokens}, for
 * every model: a deployment that speaks it (Anthropic, Claude on Bedrock or Vertex AI) gets the request
 * as sent (see {@link NativeMessages}); any other gets its translation through chat, and its answer (or stream) comes back in Anthropic's shape.
 * Errors are Anthropic's {@code {"type":"error","error":{"type","message"}}}.
 */
public final class MessagesEndpoint implements Endpoint {
    /** Client headers that go along to Anthropic: the API version and opted-in beta features. */
    private static final java.util.List<String> FORWARDED_HEADERS = java.util.List.of("anthropic-version", "anthropic-beta");

    private final Gateway gateway;

    public MessagesEndpoint(Gateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public boolean serves(String path) {
        return path.equals("/messages") || path.equals("/messages/count_tokens");
    }

    /** Anthropic's SDKs send the key as {@code x-api-key}; Claude Code may send either. */
    @Override
    public String authorization(ApiRequest request) {
        String authorization = request.header("authorization");
        if (authorization != null && !authorization.isBlank()) return authorization;
        String apiKey = request.header("x-api-key");
        return apiKey == null || apiKey.isBlank() ? null : "Bearer " + apiKey.strip();
    }

    @Override
    public void answer(EndpointCall call) {
        call.requireMethod("POST");
        ObjectNode body = call.jsonBody();
        if (call.path().equals("/messages/count_tokens")) {
            countTokens(call, body);
            return;
        }
        MessagesToChat.Translation translation = MessagesToChat.translate(body, false);
        ChatCompletionRequest chat = RequestParser.chat(translation.chat());
        call.caller(chat.body());
        NativeMessages.Request direct = new NativeMessages.Request(relay.core.wire.RelayFields.nativeBody(body), forwardedHeaders(call));
        NativeMessages[] answering = {null}; // the provider that answered natively reads its message as chat, for the cache
        NativeCaching<JsonNode> cached = translation.untranslatable() != null ? NativeCaching.none()
                : NativeCaching.of(chat, () -> MessagesToChat.nativeOnly(body, direct.headers()), message -> chatForm(answering[0], message));
        if (!chat.stream()) {
            JsonNode message = gateway.chat(chat, call.trace(), (provider, deployment) -> {
                NativeMessages speaks = provider.nativeMessages(deployment);
                if (speaks != null) return (c, sent) -> {
                    answering[0] = speaks;
                    return speaks.create(withRequest(c, direct));
                };
                return refusal(translation);
            }, ChatToMessages::message, answer -> ChatToMessages.usageOf(answer.path("usage")), cached);
            call.json(200, message);
            return;
        }
        MessagesStream translated = new MessagesStream(call::event, chat.model());
        boolean[] nativeStream = {false};
        boolean assemble = gateway.cacheSettings().enabled() && cached.chat() != null;
        gateway.streamChat(chat, call.trace(), (provider, deployment) -> {
            NativeMessages speaks = provider.nativeMessages(deployment);
            if (speaks != null) return (c, sent) -> {
                answering[0] = speaks;
                StreamedMessage message = new StreamedMessage(assemble);
                speaks.stream(withRequest(c, direct), event -> {
                    nativeStream[0] = true;
                    message.add(event);
                    call.event(event.path("type").asText("message"), event);
                    sent.run();
                });
                return message.whole();
            };
            return refusal(translation);
        }, message -> ChatToMessages.usageOf(message.path("usage")), cached, translated::accept);
        if (!nativeStream[0]) translated.finish();
        call.end();
    }

    /**
     * A native message in chat's shape for the cache; null (not stored) when it has what chat cannot give back to
     * a client: thinking, whose signature a later turn must return, and the blocks of Anthropic's server tools.
     */
    private static ChatCompletionResponse chatForm(NativeMessages provider, JsonNode message) {
        if (provider == null || !message.path("content").isArray()) return null;
        for (JsonNode block : message.path("content")) {
            String type = block.path("type").asText();
            if (!type.equals("text") && !type.equals("tool_use")) return null;
        }
        return provider.chatForm(message);
    }

    /** For a deployment that needs the translation: none (the chat path), or the 400 for what cannot be translated. */
    private static <T> Passthrough.Call<T> refusal(MessagesToChat.Translation translation) {
        RelayException untranslatable = translation.untranslatable();
        if (untranslatable == null) return null;
        return (c, sent) -> {
            throw untranslatable;
        };
    }

    private static ProviderCall<NativeMessages.Request> withRequest(ProviderCall<ChatCompletionRequest> call, NativeMessages.Request request) {
        return new ProviderCall<>(call.deployment(), request, call.apiKey(), call.timeout(), call.limits());
    }

    private static Map<String, String> forwardedHeaders(EndpointCall call) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : FORWARDED_HEADERS) {
            String value = call.header(name);
            if (value != null && !value.isBlank()) headers.put(name, value);
        }
        return headers;
    }

    /**
     * An estimate, as Relay counts prompts elsewhere (about four characters a token, {@link Completions#estimateTokens}),
     * over the system prompt, the messages, tool calls and results, and the tool definitions; images are not counted.
     */
    private static void countTokens(EndpointCall call, ObjectNode body) {
        ChatCompletionRequest chat = RequestParser.chat(MessagesToChat.translate(body, true).chat());
        call.trace().requestedModel(chat.model());
        StringBuilder text = new StringBuilder();
        for (ChatMessage message : chat.messages()) {
            text.append(message.text()).append('\n');
            if (message.toolCalls() != null) {
                message.toolCalls().forEach(t -> text.append(t.function().name()).append(t.function().arguments()).append('\n'));
            }
        }
        if (chat.tools() != null) text.append(Json.write(chat.tools()));
        call.json(200, Json.object().put("input_tokens", Completions.estimateTokens(text.toString())));
    }

    @Override
    public Object errorBody(RelayException e) {
        ObjectNode body = Json.object().put("type", "error");
        body.putObject("error").put("type", errorType(e)).put("message", e.getMessage());
        return body;
    }

    @Override
    public String errorEvent(RelayException e) {
        return "event: error\ndata: " + Json.write(errorBody(e)) + "\n\n";
    }

    /** Anthropic's error type for the status Relay answers with. */
    static String errorType(RelayException e) {
        return switch (e.kind().status()) {
            case 400, 405, 415 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 408, 504 -> "timeout_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            default -> "api_error";
        };
    }

    /**
     * A native stream's message, built from its events as Anthropic's SDKs build it: the token counts always
     * ({@code message_start} has the prompt's, {@code message_delta} the running totals); the content and stop
     * reason only when it may be cached, and no more than {@link Gateway#MAX_CACHED_STREAM_CHARS} of it.
     */
    private static final class StreamedMessage {
        private final ObjectNode counts = Json.object();
        private final boolean assemble;
        private ObjectNode message;
        private final java.util.Map<Integer, ObjectNode> blocks = new java.util.TreeMap<>();
        private final java.util.Map<Integer, StringBuilder> inputs = new java.util.HashMap<>();
        private long chars;
        private boolean whole;

        StreamedMessage(boolean assemble) {
            this.assemble = assemble;
        }

        void add(JsonNode event) {
            String type = event.path("type").asText();
            JsonNode usage = switch (type) {
                case "message_start" -> event.path("message").path("usage");
                case "message_delta" -> event.path("usage");
                default -> null;
            };
            if (usage != null && usage.isObject()) {
                usage.properties().forEach(e -> {
                    if (e.getValue().isNumber()) counts.set(e.getKey(), e.getValue());
                });
            }
            if (!assemble) return;
            switch (type) {
                case "message_start" -> {
                    if (event.path("message").isObject()) message = ((ObjectNode) event.get("message")).deepCopy();
                }
                case "content_block_start" -> {
                    if (message != null && event.path("content_block").isObject()) blocks.put(event.path("index").asInt(), ((ObjectNode) event.get("content_block")).deepCopy());
                }
                case "content_block_delta" -> delta(event.path("index").asInt(), event.path("delta"));
                case "message_delta" -> {
                    if (message != null && event.path("delta").isObject()) event.get("delta").properties().forEach(e -> message.set(e.getKey(), e.getValue()));
                }
                case "message_stop" -> whole = message != null;
                default -> { }
            }
        }

        private void delta(int index, JsonNode delta) {
            ObjectNode block = blocks.get(index);
            if (message == null || block == null || (chars += delta.toString().length()) > Gateway.MAX_CACHED_STREAM_CHARS) {
                blocks.clear();
                inputs.clear();
                message = null; // too long to be cached: only the counts are kept
                return;
            }
            switch (delta.path("type").asText()) {
                case "text_delta" -> block.put("text", block.path("text").asText() + delta.path("text").asText());
                case "input_json_delta" -> inputs.computeIfAbsent(index, i -> new StringBuilder()).append(delta.path("partial_json").asText());
                default -> { // thinking, citations and what may come: chat's shape cannot give them back, so never cached
                    blocks.clear();
                    message = null;
                }
            }
        }

        /** The message as {@code create} would have given it when the stream was kept whole; else only its usage. */
        JsonNode whole() {
            ObjectNode usage = counts.isEmpty() ? null : counts;
            if (!whole || message == null) return usage == null ? Json.object() : Json.object().set("usage", usage);
            ArrayNode content = message.putArray("content");
            blocks.forEach((index, block) -> {
                StringBuilder input = inputs.get(index);
                if (input != null) block.set("input", ChatToMessages.input(input.toString()));
                content.add(block);
            });
            if (usage != null) message.set("usage", usage);
            return message;
        }
    }
}
