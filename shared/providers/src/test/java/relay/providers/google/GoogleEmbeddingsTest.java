package relay.providers.google;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.provider.EmbeddingResult;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.RequestParser;

/** OpenAI embedding requests <-> Gemini's batchEmbedContents and Vertex's predict, as golden files in google/embeddings/. */
class GoogleEmbeddingsTest {

    @Test
    void gemini_batchEmbedContents_oneRequestPerInput() {
        JsonNode golden = Golden.json("embeddings/gemini.json");
        EmbeddingRequest request = request(golden.get("openai"));

        Golden.assertJson(golden.get("request"), GoogleEmbeddings.geminiRequest(request, golden.get("model").asText()), "request");
        assertResult(golden, GoogleEmbeddings.geminiResult(golden.get("response"), request.input().size()));
    }

    @Test
    void vertex_predict_withTokenCountsFromStatistics() {
        JsonNode golden = Golden.json("embeddings/vertex.json");
        EmbeddingRequest request = request(golden.get("openai"));

        Golden.assertJson(golden.get("request"), GoogleEmbeddings.vertexRequest(request), "request");
        assertResult(golden, GoogleEmbeddings.vertexResult(golden.get("response"), request.input().size()));
    }

    @Test
    void gemini_modelAlreadyPrefixed_isNotPrefixedTwice() {
        JsonNode body = GoogleEmbeddings.geminiRequest(request(Golden.parse("{\"model\":\"e\",\"input\":\"x\"}")), "models/text-embedding-004");

        assertEquals("models/text-embedding-004", body.path("requests").get(0).path("model").asText());
        assertEquals(false, body.path("requests").get(0).has("outputDimensionality"));
    }

    @Test
    void tokenIdInput_is400() {
        RelayException e = assertThrows(RelayException.class,
                () -> GoogleEmbeddings.vertexRequest(request(Golden.parse("{\"model\":\"e\",\"input\":[[1,2,3]]}"))));

        assertEquals("input", e.param());
    }

    @Test
    void fewerVectorsThanInputs_isRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> GoogleEmbeddings.geminiResult(Golden.parse("{\"embeddings\":[{\"values\":[1]}]}"), 2));
    }

    private static void assertResult(JsonNode golden, EmbeddingResult result) {
        JsonNode vectors = golden.get("vectors");
        assertEquals(vectors.size(), result.vectors().size());
        for (int i = 0; i < vectors.size(); i++) {
            float[] expected = new float[vectors.get(i).size()];
            for (int j = 0; j < expected.length; j++) expected[j] = (float) vectors.get(i).get(j).asDouble();
            assertArrayEquals(expected, result.vectors().get(i));
        }
        assertEquals(golden.get("promptTokens").asInt(), result.promptTokens());
    }

    private static EmbeddingRequest request(JsonNode body) {
        return RequestParser.embedding(RequestParser.parseObject(Json.writeBytes(body)));
    }
}
