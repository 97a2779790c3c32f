package relay.core.cache;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.RelayFields;

/**
 * The cache keys of one chat request.
 *
 * <p><b>Exact key</b>: SHA-256 (hex) of the canonical JSON (object keys sorted, nulls and empty lists
 * left out, numbers in plain form: {@code 1.0} = {@code 1}) of: the model group as the client named
 * it, the namespace, every message, and every other body field except those in {@link #IGNORED}, which
 * do not change the answer (streaming, the end user, metadata, routing and Relay's own controls).
 * Unknown fields count, so a new OpenAI parameter never makes two different requests share an answer.
 * Normalized too: {@code stop: "x"} = {@code ["x"]}, {@code n: 1} = no {@code n}, a content array of
 * one text part = that text.
 *
 * <p><b>Semantic scope</b>: the same hash without the last user message's text, plus the embedding
 * model's name: what must be identical for a paraphrase to take the same answer (model group, system
 * prompt, earlier turns, parameters). The <b>semantic text</b> is the last user message's text. Only a
 * request whose last message is a user message of text (no image, audio or file) has a scope.
 *
 * <p><b>Embeddings</b> ({@link #ofEmbeddings}) have an exact key only, of the same canonical form marked
 * {@code "kind":"embeddings"} (so no chat request can share it), with {@code encoding_format} left out too:
 * the vectors are the same, Relay encodes them per request.
 */
public record CacheKey(String exact, String scope, String semanticText) {

    /**
     * Body fields that do not change the answer: Relay's own ({@link RelayFields}) but {@code mock_response} (a
     * canned answer must never share a key with a real one), and these.
     */
    public static final Set<String> IGNORED = ignored(
            "model", "messages", // hashed on their own
            "stream", "stream_options", "user", "store", "service_tier");

    private static Set<String> ignored(String... openAiFields) {
        Set<String> all = new java.util.HashSet<>(RelayFields.ALL);
        all.remove("mock_response");
        all.addAll(List.of(openAiFields));
        return Set.copyOf(all);
    }

    /** Bumped when the canonical form changes, so old entries are never read with a new meaning. */
    static final int VERSION = 1;

    /** Whether this request can be answered by a paraphrase. */
    public boolean semantic() {
        return scope != null;
    }

    /** Keys for an exact-only cache. */
    public static CacheKey of(ChatCompletionRequest request, String namespace) {
        return of(request, namespace, null);
    }

    /**
     * @param namespace {@link CacheControls#namespace(CacheSettings)}; null for none
     * @param embedder the embedding model's name ({@link Embedder#name()}); null for no semantic scope
     */
    public static CacheKey of(ChatCompletionRequest request, String namespace, String embedder) {
        ObjectNode body = request.body();
        JsonNode messages = body.path("messages");
        String params = canonicalParams(body);
        String prefix = "{\"v\":" + VERSION + ",\"ns\":" + (namespace == null ? "null" : quote(namespace))
                + ",\"model\":" + quote(request.model()) + ",\"params\":" + params;
        List<String> canonicalMessages = new ArrayList<>();
        for (JsonNode m : messages) canonicalMessages.add(canonicalMessage(m));
        String exact = sha256(prefix + ",\"messages\":[" + String.join(",", canonicalMessages) + "]}");

        if (embedder == null || messages.isEmpty()) return new CacheKey(exact, null, null);
        JsonNode last = messages.get(messages.size() - 1);
        if (!"user".equals(last.path("role").asText()) || !textOnly(last.get("content"))) {
            return new CacheKey(exact, null, null);
        }
        String text = request.messages().get(request.messages().size() - 1).text();
        if (text.isBlank()) return new CacheKey(exact, null, null);
        ObjectNode lastWithoutText = ((ObjectNode) last).deepCopy();
        lastWithoutText.remove("content");
        List<String> earlier = new ArrayList<>(canonicalMessages.subList(0, canonicalMessages.size() - 1));
        earlier.add(canonical(lastWithoutText));
        String scope = sha256(prefix + ",\"semantic\":" + quote(embedder)
                + ",\"messages\":[" + String.join(",", earlier) + "]}");
        return new CacheKey(exact, scope, text);
    }

    /** Body fields of an embeddings request that do not change the vectors, besides {@link #IGNORED}. */
    static final Set<String> EMBEDDINGS_IGNORED = Set.of("input", "encoding_format");

    /** The exact key of an embeddings request (no semantic scope: a paraphrase has other vectors). */
    public static CacheKey ofEmbeddings(EmbeddingRequest request, String namespace) {
        ObjectNode params = request.body().deepCopy();
        params.remove(EMBEDDINGS_IGNORED);
        String exact = sha256("{\"v\":" + VERSION + ",\"kind\":\"embeddings\",\"ns\":" + (namespace == null ? "null" : quote(namespace))
                + ",\"model\":" + quote(request.model()) + ",\"params\":" + canonicalParams(params)
                + ",\"input\":" + canonical(request.body().get("input")) + "}");
        return new CacheKey(exact, null, null);
    }

    /** The canonical JSON of the fields that change the answer (package-private for tests). */
    static String canonicalParams(ObjectNode body) {
        ObjectNode params = body.objectNode();
        for (var e : body.properties()) {
            String name = e.getKey();
            JsonNode value = e.getValue();
            if (IGNORED.contains(name) || absent(value)) continue;
            if (name.equals("n") && value.isNumber() && value.asDouble() == 1) continue;
            if (name.equals("stop") && value.isTextual()) value = body.arrayNode().add(value.asText());
            params.set(name, value);
        }
        return canonical(params);
    }

    private static String canonicalMessage(JsonNode message) {
        if (!message.isObject()) return canonical(message);
        ObjectNode copy = ((ObjectNode) message).deepCopy();
        JsonNode content = copy.get("content");
        if (content != null && content.isArray() && content.size() == 1
                && "text".equals(content.get(0).path("type").asText()) && content.get(0).path("text").isTextual()) {
            copy.put("content", content.get(0).get("text").asText());
        }
        return canonical(copy);
    }

    private static boolean textOnly(JsonNode content) {
        if (content == null || content.isTextual()) return content != null;
        if (!content.isArray()) return false;
        for (JsonNode part : content) {
            if (!"text".equals(part.path("type").asText())) return false;
        }
        return true;
    }

    private static boolean absent(JsonNode value) {
        return value == null || value.isNull() || ((value.isArray() || value.isObject()) && value.isEmpty());
    }

    /** Sorted keys, no nulls, no empty containers in objects, plain numbers, JSON string escapes. */
    static String canonical(JsonNode node) {
        StringBuilder out = new StringBuilder();
        write(node, out);
        return out.toString();
    }

    private static void write(JsonNode node, StringBuilder out) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            out.append("null");
        } else if (node.isObject()) {
            out.append('{');
            boolean first = true;
            for (String name : new TreeSet<>(iterable(node))) {
                JsonNode value = node.get(name);
                if (absent(value)) continue;
                if (!first) out.append(',');
                first = false;
                out.append(quote(name)).append(':');
                write(value, out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) out.append(',');
                write(node.get(i), out);
            }
            out.append(']');
        } else if (node.isNumber()) {
            BigDecimal d = node.decimalValue().stripTrailingZeros();
            out.append(d.signum() == 0 ? "0" : d.toPlainString());
        } else if (node.isTextual()) {
            out.append(quote(node.asText()));
        } else if (node.isBoolean()) {
            out.append(node.booleanValue());
        } else {
            out.append(quote(node.asText())); // binary / POJO nodes never come from a parsed body
        }
    }

    private static List<String> iterable(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String quote(String s) {
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + '"';
    }

    static String sha256(String canonical) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
