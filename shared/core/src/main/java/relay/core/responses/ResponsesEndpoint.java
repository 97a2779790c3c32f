package relay.core.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import relay.core.Json;
import relay.core.api.Endpoint;
import relay.core.api.EndpointCall;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.Gateway;
import relay.core.gateway.NativeCaching;
import relay.core.gateway.Passthrough;
import relay.core.provider.NativeResponses;
import relay.core.provider.ProviderCall;
import relay.core.log.Diagnostics;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ErrorBody;
import relay.core.wire.Fields;
import relay.core.wire.RequestParser;

/**
 * OpenAI's Responses API for every model: a deployment that speaks it (OpenAI, Azure OpenAI) gets the request as
 * sent (see {@link NativeResponses}), any other its translation through chat. {@code POST /v1/responses} (whole or streamed as
 * the Responses events), {@code GET} and {@code DELETE /v1/responses/{id}} and
 * {@code GET /v1/responses/{id}/input_items} for stored responses, and {@code previous_response_id}.
 * A response is stored unless the request says {@code store: false}; only the key that created it can
 * read it; a native response is kept under the provider's id, so {@code previous_response_id} works across
 * deployments of any provider (Relay sends the earlier items as input). Errors are OpenAI's shape.
 */
public final class ResponsesEndpoint implements Endpoint {
    /** OpenAI keeps responses 30 days. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private final Gateway gateway;
    private final ResponseStore store;
    private final Clock clock;
    private final Duration retention;

    public ResponsesEndpoint(Gateway gateway, ResponseStore store, Clock clock, Duration retention) {
        this.gateway = gateway;
        this.store = store;
        this.clock = clock;
        this.retention = retention;
    }

    @Override
    public boolean serves(String path) {
        return path.equals("/responses") || path.startsWith("/responses/");
    }

    @Override
    public void answer(EndpointCall call) {
        if (call.path().equals("/responses")) {
            call.requireMethod("POST");
            create(call);
            return;
        }
        String[] rest = call.path().substring("/responses/".length()).split("/", -1);
        if (rest.length == 2 && rest[1].equals("input_items")) {
            call.requireMethod("GET");
            call.trace().notLogged(); // reading back, not traffic
            StoredResponse stored = find(rest[0], call, null);
            ObjectNode list = Json.object().put("object", "list");
            ArrayNode data = list.putArray("data");
            stored.input().forEach(data::add);
            list.put("first_id", data.isEmpty() ? null : data.get(0).path("id").asText(null));
            list.put("last_id", data.isEmpty() ? null : data.get(data.size() - 1).path("id").asText(null));
            list.put("has_more", false);
            call.json(200, list);
            return;
        }
        if (rest.length != 1) throw notFound();
        call.trace().notLogged();
        switch (call.method()) {
            case "GET" -> call.json(200, find(rest[0], call, null).response());
            case "DELETE" -> {
                find(rest[0], call, null);
                store.delete(rest[0]);
                call.json(200, Json.object().put("id", rest[0]).put("object", "response").put("deleted", true));
            }
            default -> call.requireMethod("GET");
        }
    }

    private void create(EndpointCall call) {
        ObjectNode body = call.jsonBody();
        String previousId = Fields.string(body, "previous_response_id", "previous_response_id");
        ArrayNode previous = previousId == null ? null : find(previousId, call, "previous_response_id").conversation();
        boolean keep = !Boolean.FALSE.equals(Fields.bool(body, "store", "store"));
        ResponsesToChat.Translation translation = ResponsesToChat.translate(body, previous);
        ChatCompletionRequest chat = RequestParser.chat(translation.chat());
        call.caller(chat.body());
        ObjectNode direct = nativeBody(body, previous);
        String id = ChatToResponses.newId("resp_");
        long createdAt = clock.instant().getEpochSecond();
        NativeCaching<ObjectNode> cached = translation.untranslatable() != null ? NativeCaching.none()
                : NativeCaching.of(chat, () -> ResponsesToChat.nativeOnly(body, previous), ResponsesToChat::chatForm);
        if (!chat.stream()) {
            ObjectNode response = gateway.chat(chat, call.trace(), (provider, deployment) -> {
                NativeResponses speaks = provider.nativeResponses(deployment);
                if (speaks != null) return (c, sent) -> echoPrevious(speaks.create(withBody(c, direct)), previousId);
                return refusal(translation);
            }, answer -> ChatToResponses.response(id, createdAt, body, answer), answered -> ChatToResponses.usageOf(answered.path("usage")), cached);
            if (keep) keep(response, translation.input(), call);
            call.json(200, response);
            return;
        }
        ResponsesStream stream = new ResponsesStream(call::event, id, createdAt, chat.model(), body);
        NativeStream nativeStream = new NativeStream(call, previousId);
        try {
            gateway.streamChat(chat, call.trace(), (provider, deployment) -> {
                NativeResponses speaks = provider.nativeResponses(deployment);
                if (speaks != null) return (c, sent) -> {
                    speaks.stream(withBody(c, direct), event -> {
                        nativeStream.accept(event);
                        sent.run();
                    });
                    return nativeStream.last();
                };
                return refusal(translation);
            }, last -> ChatToResponses.usageOf(last.path("usage")), cached, stream::accept);
        } catch (RelayException e) {
            if (!call.started() || e.kind() == ErrorKind.CLIENT_CLOSED) throw e;
            // numbered like every event of the stream, as the SDKs require; then the response's own end
            call.failStream(e, nativeStream.started() ? nativeStream.failed(e) : stream.failed(e));
            return;
        }
        if (nativeStream.started()) {
            if (keep && nativeStream.last() != null) keep(nativeStream.last(), translation.input(), call);
            call.end();
            return;
        }
        ObjectNode response = stream.finish();
        if (keep) keep(response, translation.input(), call); // before the client learns the id is complete
        stream.complete(response);
        call.end();
    }

    /** For a deployment that needs the translation: none (the chat path), or the 400 for what chat cannot carry. */
    private static <T> Passthrough.Call<T> refusal(ResponsesToChat.Translation translation) {
        RelayException untranslatable = translation.untranslatable();
        if (untranslatable == null) return null;
        return (c, sent) -> {
            throw untranslatable;
        };
    }

    /**
     * The body a provider that speaks the Responses API gets: the client's, without Relay's own fields. Relay keeps
     * the conversation of {@code previous_response_id} (the id is Relay's, whichever deployment answered it), so the
     * earlier items go in as input and the id stays here.
     */
    private static ObjectNode nativeBody(ObjectNode body, ArrayNode previous) {
        ObjectNode direct = relay.core.wire.RelayFields.nativeBody(body);
        if (previous == null) return direct;
        direct.remove("previous_response_id");
        ArrayNode input = previous.deepCopy();
        JsonNode given = body.get("input");
        if (given != null && given.isTextual()) input.addObject().put("type", "message").put("role", "user").put("content", given.asText());
        else if (given != null && given.isArray()) given.forEach(input::add);
        direct.set("input", input);
        return direct;
    }

    /** The response as the client sees it: the {@code previous_response_id} it gave, which Relay resolved itself. */
    private static ObjectNode echoPrevious(JsonNode response, String previousId) {
        if (!(response instanceof ObjectNode object)) throw new RelayException(ErrorKind.PROVIDER_ERROR, "The provider's response is no JSON object.");
        if (previousId != null && object.path("previous_response_id").isNull()) object.put("previous_response_id", previousId);
        return object;
    }

    private static ProviderCall<ObjectNode> withBody(ProviderCall<ChatCompletionRequest> call, ObjectNode body) {
        return new ProviderCall<>(call.deployment(), body, call.apiKey(), call.timeout(), call.limits());
    }

    /** A provider's own Responses stream on its way to the client: its events as sent, its usage and last response kept. */
    private static final class NativeStream {
        private final EndpointCall call;
        private final String previousId;
        private ObjectNode last;
        private long sequence = -1;
        private boolean started;

        NativeStream(EndpointCall call, String previousId) {
            this.call = call;
            this.previousId = previousId;
        }

        void accept(JsonNode event) {
            started = true;
            sequence = Math.max(sequence, event.path("sequence_number").asLong(sequence));
            if (event.get("response") instanceof ObjectNode response) {
                echoPrevious(response, previousId);
                String type = event.path("type").asText();
                if (type.equals("response.completed") || type.equals("response.incomplete")) last = response;
            }
            call.event(event.path("type").asText("message"), event);
        }

        boolean started() {
            return started;
        }

        /** The finished response ({@code response.completed} or {@code response.incomplete}), or null. */
        ObjectNode last() {
            return last;
        }

        /** OpenAI's error event, numbered after the provider's last. */
        String failed(RelayException e) {
            ObjectNode event = Json.object().put("type", "error").put("sequence_number", sequence + 1).put("code", e.kind().code())
                    .put("message", e.getMessage());
            event.put("param", e.param());
            return "event: error\ndata: " + Json.write(event) + "\n\n";
        }
    }

    /** Stores the response; a store that fails costs the follow-ups, not this answer. */
    private void keep(ObjectNode response, ArrayNode input, EndpointCall call) {
        try {
            store.put(new StoredResponse(response.get("id").asText(), owner(call), response, input, clock.instant().plus(retention)));
        } catch (RuntimeException e) {
            Diagnostics.warn("response_store_failed", "request_id", call.trace().requestId(), "error", e.getClass().getName());
        }
    }

    /** The caller's stored response; another key's, an unknown or an expired one is a 404. */
    private StoredResponse find(String id, EndpointCall call, String param) {
        if (!ID.matcher(id).matches()) throw notFoundId("(malformed id)", param);
        StoredResponse stored;
        try {
            stored = store.get(id).orElse(null);
        } catch (RuntimeException e) {
            Diagnostics.warn("response_store_read_failed", "request_id", call.trace().requestId(), "error", e.getClass().getName());
            throw new RelayException(ErrorKind.SERVICE_UNAVAILABLE, "Relay's store of responses could not be read; try again.");
        }
        if (stored == null || (stored.owner() != null && !Objects.equals(stored.owner(), owner(call)))) throw notFoundId(id, param);
        return stored;
    }

    private static String owner(EndpointCall call) {
        return call.trace().caller().keyHash();
    }

    private static RelayException notFoundId(String id, String param) {
        String what = param == null ? "Response" : "Previous response";
        return new RelayException(ErrorKind.NOT_FOUND, what + " with id '" + id + "' not found. Responses are kept "
                + "unless created with store: false, for the key that created them, until they expire.", param);
    }

    private static RelayException notFound() {
        return new RelayException(ErrorKind.NOT_FOUND, "Unknown path under /v1/responses. Relay serves POST /v1/responses, "
                + "GET and DELETE /v1/responses/{id} and GET /v1/responses/{id}/input_items.");
    }

    @Override
    public Object errorBody(RelayException e) {
        return ErrorBody.of(e.getMessage(), e.kind().type(), e.param(), e.kind().code());
    }

    /** OpenAI's stream error event: {@code {"type":"error","code","message","param"}}. */
    @Override
    public String errorEvent(RelayException e) {
        ObjectNode event = Json.object().put("type", "error").put("code", e.kind().code()).put("message", e.getMessage());
        event.put("param", e.param());
        return "event: error\ndata: " + Json.write(event) + "\n\n";
    }
}
