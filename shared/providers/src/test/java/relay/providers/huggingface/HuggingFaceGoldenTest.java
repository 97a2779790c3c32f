package relay.providers.huggingface;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.providers.huggingface.Golden.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.providers.http.ProviderErrors;

/**
 * Hugging Face's side of the wire (shaped after huggingface.co/docs/inference-providers and the
 * TGI/TEI docs): which model and base a chat goes to, feature-extraction answers -> vectors, and
 * Hugging Face's {@code {"error": "..."}} bodies -> kinds. Chat bodies are OpenAI's and pass through.
 */
class HuggingFaceGoldenTest {
    static final String LABEL = "huggingface (BAAI/bge-large-en-v1.5)";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "meta-llama/Llama-3.1-8B-Instruct, meta-llama/Llama-3.1-8B-Instruct",
            "meta-llama/Llama-3.1-8B-Instruct:cerebras, meta-llama/Llama-3.1-8B-Instruct:cerebras",
            "together/deepseek-ai/DeepSeek-R1, deepseek-ai/DeepSeek-R1:together",
            "hf-inference/HuggingFaceTB/SmolLM3-3B, HuggingFaceTB/SmolLM3-3B:hf-inference"})
    void routerModel_namesTheInferenceProviderAfterAColon(String model, String routed) {
        assertEquals(routed, HuggingFaceProvider.chatModel(model, null));
    }

    @Test
    void modelSentToAnEndpoint_isKeptAsItIs() {
        assertEquals("together/deepseek-ai/DeepSeek-R1", HuggingFaceProvider.chatModel("together/deepseek-ai/DeepSeek-R1", "https://x.endpoints.huggingface.cloud"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "https://abc123.us-east-1.aws.endpoints.huggingface.cloud, https://abc123.us-east-1.aws.endpoints.huggingface.cloud/v1",
            "https://abc123.us-east-1.aws.endpoints.huggingface.cloud/, https://abc123.us-east-1.aws.endpoints.huggingface.cloud/v1",
            "http://localhost:8080/v1, http://localhost:8080/v1",
            "http://localhost:8080/v1/chat/completions, http://localhost:8080/v1",
            "https://router.huggingface.co/together/v1, https://router.huggingface.co/together/v1"})
    void apiBase_pointsAtTheOpenAiCompatibleRoot(String apiBase, String chatBase) {
        assertEquals(chatBase, HuggingFaceProvider.chatBase(apiBase));
    }

    @Test
    void noApiBase_keepsTheRouter() {
        assertNull(HuggingFaceProvider.chatBase(null));
    }

    @Test
    void featureExtraction_givesOneVectorPerInput() {
        List<float[]> vectors = HuggingFaceProvider.vectors(LABEL, json("huggingface/embeddings/sentence-embeddings.json"), 2);

        assertArrayEquals(new float[] {0.018f, -0.042f, 0.0311f, 0.074f}, vectors.get(0));
        assertArrayEquals(new float[] {-0.0063f, 0.0512f, -0.027f, 0.0099f}, vectors.get(1));
    }

    @Test
    void tokenLevelFeatures_areAProviderError_thatSaysWhy() {
        RelayException e = assertThrows(RelayException.class,
                () -> HuggingFaceProvider.vectors(LABEL, json("huggingface/embeddings/token-features.json"), 2));

        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
        assertTrue(e.getMessage().contains("sentence-embedding model"), e.getMessage());
    }

    @Test
    void aVectorCountThatDoesNotMatchTheInputs_isUnreadable() {
        RelayException e = assertThrows(RelayException.class,
                () -> HuggingFaceProvider.vectors(LABEL, json("huggingface/embeddings/sentence-embeddings.json"), 3));

        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"model-loading", "rate-limit", "invalid-credentials", "tgi-input-too-long", "router-openai-style", "model-not-found"})
    void huggingFaceErrorBody_becomesTheRightKind_withItsMessage(String name) {
        JsonNode error = json("huggingface/errors/" + name + ".json");
        byte[] body = error.get("body").toString().getBytes(StandardCharsets.UTF_8);

        RelayException e = ProviderErrors.from(LABEL, error.get("status").asInt(), body, null, "hf_secret");

        assertEquals(ErrorKind.valueOf(error.get("kind").asText()), e.kind());
        assertTrue(e.getMessage().contains(error.get("message").asText()), e.getMessage());
    }
}
