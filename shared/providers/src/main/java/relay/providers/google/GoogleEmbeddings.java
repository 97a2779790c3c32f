package relay.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.provider.EmbeddingResult;
import relay.core.wire.EmbeddingRequest;

/**
 * Embeddings in Google's two wire formats: the Gemini API's {@code batchEmbedContents} and Vertex AI's
 * {@code predict}. Both take text only; {@code dimensions} becomes {@code outputDimensionality}.
 */
public final class GoogleEmbeddings {
    private GoogleEmbeddings() {}

    /** {@code {"requests":[{"model":"models/x","content":{"parts":[{"text"}]},"outputDimensionality"}]}}. */
    public static ObjectNode geminiRequest(EmbeddingRequest request, String model) {
        requireText(request);
        ObjectNode body = Json.object();
        ArrayNode requests = body.putArray("requests");
        String name = model.startsWith("models/") ? model : "models/" + model;
        for (String text : request.input()) {
            ObjectNode one = requests.addObject().put("model", name);
            one.putObject("content").putArray("parts").addObject().put("text", text);
            if (request.dimensions() != null) one.put("outputDimensionality", request.dimensions());
        }
        return body;
    }

    /** {@code {"embeddings":[{"values":[…]}]}}; the Gemini API reports tokens only in newer versions. */
    public static EmbeddingResult geminiResult(JsonNode body, int expected) {
        List<float[]> vectors = new ArrayList<>();
        for (JsonNode embedding : body.path("embeddings")) vectors.add(vector(embedding.path("values")));
        return result(vectors, expected, body.path("usageMetadata").path("promptTokenCount").asInt(0));
    }

    /** {@code {"instances":[{"content"}],"parameters":{"outputDimensionality"}}}. */
    public static ObjectNode vertexRequest(EmbeddingRequest request) {
        requireText(request);
        ObjectNode body = Json.object();
        ArrayNode instances = body.putArray("instances");
        request.input().forEach(text -> instances.addObject().put("content", text));
        if (request.dimensions() != null) body.putObject("parameters").put("outputDimensionality", request.dimensions());
        return body;
    }

    /** {@code {"predictions":[{"embeddings":{"values":[…],"statistics":{"token_count"}}}]}}. */
    public static EmbeddingResult vertexResult(JsonNode body, int expected) {
        List<float[]> vectors = new ArrayList<>();
        int tokens = 0;
        for (JsonNode prediction : body.path("predictions")) {
            JsonNode embeddings = prediction.path("embeddings");
            vectors.add(vector(embeddings.path("values")));
            JsonNode statistics = embeddings.path("statistics");
            tokens += statistics.has("token_count") ? statistics.path("token_count").asInt(0) : statistics.path("tokenCount").asInt(0);
        }
        return result(vectors, expected, tokens);
    }

    private static EmbeddingResult result(List<float[]> vectors, int expected, int tokens) {
        if (vectors.size() != expected) throw new IllegalArgumentException(vectors.size() + " vectors for " + expected + " inputs");
        return new EmbeddingResult(List.copyOf(vectors), tokens);
    }

    private static float[] vector(JsonNode values) {
        if (!values.isArray() || values.isEmpty()) throw new IllegalArgumentException("not an embedding");
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) vector[i] = (float) values.get(i).asDouble();
        return vector;
    }

    private static void requireText(EmbeddingRequest request) {
        if (request.tokenInput()) throw RelayException.invalid("input", "Google's embedding models take text only, not token ids.");
    }
}
