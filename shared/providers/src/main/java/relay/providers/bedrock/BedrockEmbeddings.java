package relay.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.wire.EmbeddingRequest;

/**
 * The embedding models Bedrock serves through {@code /model/{id}/invoke}, each in its own body
 * format: Amazon Titan text (one text per call) and Cohere embed (a batch per call). Pure: no I/O.
 */
public final class BedrockEmbeddings {
    /** Cohere's batch limit on Bedrock. */
    static final int COHERE_MAX_TEXTS = 96;

    public enum Family { TITAN, COHERE }

    private BedrockEmbeddings() {}

    /** The family of a model id (inference-profile prefixes such as {@code us.} allowed). */
    public static Family family(String modelId) {
        String id = modelId.toLowerCase(Locale.ROOT);
        if (id.contains("amazon.titan-embed-text")) return Family.TITAN;
        if (id.contains("cohere.embed")) return Family.COHERE;
        throw RelayException.invalid("model", "Relay does not know the embedding format of model '" + modelId
                + "' on provider 'bedrock'; it serves amazon.titan-embed-text-* and cohere.embed-* models.");
    }

    public static void checkInput(EmbeddingRequest request) {
        if (request.tokenInput()) {
            throw RelayException.invalid("input", "Bedrock embeds text only; send 'input' as strings, not token ids.");
        }
    }

    /** Titan: {@code {"inputText", "dimensions"?}} (dimensions: 256, 512 or 1024 on v2). */
    public static ObjectNode titanBody(String text, Integer dimensions) {
        ObjectNode body = Json.object().put("inputText", text);
        if (dimensions != null) body.put("dimensions", dimensions);
        return body;
    }

    /** Titan's answer: {@code {"embedding": [...], "inputTextTokenCount": n}}. */
    public static float[] titanVector(JsonNode answer) {
        return floats(answer.path("embedding"));
    }

    public static int titanTokens(JsonNode answer) {
        return answer.path("inputTextTokenCount").asInt(0);
    }

    /**
     * Cohere: {@code {"texts", "input_type"}}. The client may pick {@code input_type} (search_query for
     * queries); {@code dimensions} maps to v4's {@code output_dimension}.
     */
    public static ObjectNode cohereBody(List<String> texts, EmbeddingRequest request, String modelId) {
        if (texts.size() > COHERE_MAX_TEXTS) {
            throw RelayException.invalid("input", "Cohere on Bedrock embeds at most " + COHERE_MAX_TEXTS
                    + " texts per request; this one has " + texts.size() + ".");
        }
        ObjectNode body = Json.object();
        ArrayNode array = body.putArray("texts");
        texts.forEach(array::add);
        JsonNode inputType = request.body().path("input_type");
        body.put("input_type", inputType.isTextual() ? inputType.asText() : "search_document");
        if (request.dimensions() != null) {
            if (!modelId.toLowerCase(Locale.ROOT).contains("embed-v4")) {
                throw RelayException.invalid("dimensions", "Bedrock model '" + modelId + "' has a fixed size; remove 'dimensions'.");
            }
            body.put("output_dimension", request.dimensions());
        }
        return body;
    }

    /** Cohere's answer: {@code {"embeddings": [[...]]}}, or {@code {"embeddings": {"float": [[...]]}}} when typed. */
    public static List<float[]> cohereVectors(JsonNode answer, int expected) {
        JsonNode embeddings = answer.path("embeddings");
        if (embeddings.isObject()) embeddings = embeddings.path("float");
        if (!embeddings.isArray() || embeddings.size() != expected) {
            throw new IllegalArgumentException("expected " + expected + " embeddings");
        }
        List<float[]> vectors = new ArrayList<>();
        for (JsonNode embedding : embeddings) vectors.add(floats(embedding));
        return vectors;
    }

    private static float[] floats(JsonNode array) {
        if (!array.isArray() || array.isEmpty()) throw new IllegalArgumentException("not an embedding");
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) array.get(i).asDouble();
        return v;
    }
}
