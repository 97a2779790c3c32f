package relay.core.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Function;
import java.util.function.Supplier;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.RequestParser;

/**
 * How the response cache takes a request that came in another API's shape and may be answered natively: it is
 * looked up and stored under its chat translation's key (so the same question hits the same entry whichever API
 * asked it), with what only the native body says added; the native answer is stored in its chat form.
 *
 * @param chat        the request's chat translation; null when it cannot represent the request (it is then never
 *                    looked up nor stored)
 * @param nativeOnly  what the native body says that the translation drops and that can change the answer (empty when
 *                    nothing): built only when the cache is on, since it copies much of a large agent request
 * @param chatForm    a native answer as a chat completion, or null when its chat form would lose what a client needs
 *                    (it is then not stored)
 * @param <T>         what a native call gives
 */
public record NativeCaching<T>(ChatCompletionRequest chat, Supplier<ObjectNode> nativeOnly,
                               Function<T, ChatCompletionResponse> chatForm) {
    /** The field of the keyed request that holds what only the native body says (a field chat has not). */
    static final String NATIVE_ONLY = "native_only";

    /** Never cached. */
    public static <T> NativeCaching<T> none() {
        return new NativeCaching<>(null, relay.core.Json::object, answer -> null);
    }

    public static <T> NativeCaching<T> of(ChatCompletionRequest chat, Supplier<ObjectNode> nativeOnly, Function<T, ChatCompletionResponse> chatForm) {
        return new NativeCaching<>(chat, nativeOnly, chatForm);
    }

    /**
     * The request the cache's keys are taken from: null when never cached; with the cache off, the chat translation
     * (whose {@code cache} controls are still checked); with it on, that translation plus what only the native body says.
     */
    ChatCompletionRequest key(boolean cacheOn) {
        if (chat == null || !cacheOn) return chat;
        ObjectNode extra = nativeOnly.get();
        if (extra.isEmpty()) return chat;
        ObjectNode keyed = chat.body().deepCopy();
        keyed.set(NATIVE_ONLY, extra);
        return RequestParser.chat(keyed);
    }

    /**
     * What of {@code object} a translation does not carry: a copy without the {@code translated} fields, without
     * {@code cache_control} (prompt caching changes what an answer costs, not what it says) and without nulls; null
     * when nothing is left.
     */
    public static ObjectNode untranslated(com.fasterxml.jackson.databind.JsonNode object, java.util.Set<String> translated) {
        if (object == null || !object.isObject()) return null;
        ObjectNode rest = ((ObjectNode) object).deepCopy();
        rest.remove(translated);
        rest.remove("cache_control");
        rest.properties().removeIf(e -> e.getValue().isNull());
        return rest.isEmpty() ? null : rest;
    }

    /** Puts what of {@code object} a translation does not carry ({@link #untranslated}) into {@code extra} under {@code path}, if anything. */
    public static void putUntranslated(ObjectNode extra, String path, com.fasterxml.jackson.databind.JsonNode object,
                                       java.util.Set<String> translated) {
        ObjectNode rest = untranslated(object, translated);
        if (rest != null) extra.set(path, rest);
    }
}
