package relay.providers.replicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.providers.replicate.Golden.assertJson;
import static relay.providers.replicate.Golden.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionChunk;
import relay.providers.http.ProviderErrors;
import relay.providers.http.ServerSentEvents;

/**
 * Replicate's wire format, case by case (shaped after replicate.com/docs/reference/http and the
 * models' API pages): OpenAI request -> prediction (endpoint and input, with each model family's
 * chat template), prediction -> OpenAI response, event stream -> chunks, error body -> kind.
 */
class ReplicateGoldenTest {
    static final long NOW = 1_700_000_000L;
    static final String LABEL = "replicate (meta/llama-2-70b-chat)";
    static final String KEY = "r8_test_key_0123456789";

    @ParameterizedTest(name = "{0} for {1} -> {2}")
    @CsvSource({
            "conversation, meta/llama-2-70b-chat, llama-2",
            "conversation, meta/meta-llama-3-8b-instruct, llama-3",
            "conversation, ibm-granite/granite-3.3-8b-instruct, plain",
            "single-question, mistralai/mistral-7b-instruct-v0.2:5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa, versioned",
            "single-question, deployments/acme/my-llama-2-13b-chat, llama-2-deployment",
            "assistant-prefix, meta/meta-llama-3-70b-instruct, llama-3",
            "assistant-prefix, meta/llama-2-7b-chat, llama-2"})
    void openAiRequest_becomesAPredictionOnTheRightEndpoint(String request, String model, String expected) {
        JsonNode golden = json("replicate/requests/" + request + "." + expected + ".json");
        ReplicateModel parsed = ReplicateModel.parse(model);

        assertEquals(golden.get("path").asText(), parsed.createPath());
        assertJson(golden.get("body"), ReplicateRequests.prediction(Golden.request("replicate/requests/" + request + ".openai.json"), parsed, false));
    }

    @Test
    void streamedRequest_asksForAStream() {
        var body = ReplicateRequests.prediction(Golden.request("replicate/requests/single-question.openai.json"),
                ReplicateModel.parse("meta/meta-llama-3-8b-instruct"), true);

        assertTrue(body.get("stream").asBoolean());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"succeeded", "no-token-counts", "string-output"})
    void succeededPrediction_becomesAnOpenAiCompletion(String name) {
        JsonNode prediction = json("replicate/responses/" + name + ".replicate.json");

        assertJson(json("replicate/responses/" + name + ".openai.json"),
                ReplicateResponses.chat(prediction, prediction.get("model").asText(), NOW, prediction.get("input")));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "failed, PROVIDER_ERROR, CUDA error: an illegal memory access was encountered",
            "failed-input-too-long, CONTEXT_WINDOW_EXCEEDED, Input is too long",
            "canceled, PROVIDER_ERROR, status canceled"})
    void predictionThatDidNotSucceed_isAnErrorWithReplicatesReason(String name, ErrorKind kind, String reason) {
        RelayException e = ReplicateResponses.failure(LABEL, json("replicate/responses/" + name + ".replicate.json"), KEY);

        assertEquals(kind, e.kind());
        assertTrue(e.getMessage().startsWith(LABEL), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    List<ChatCompletionChunk> translate(String resource) {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        ReplicateStream stream = new ReplicateStream(LABEL, KEY, "fuwwvjtbdmroc4xifxdcwqtdfq", "meta/meta-llama-3-70b-instruct", NOW, chunks::add);
        boolean complete = ServerSentEvents.read(new ByteArrayInputStream(Golden.text(resource).getBytes(StandardCharsets.UTF_8)),
                event -> stream.accept(event.name(), event.data()));
        assertTrue(complete, "done ends the stream");
        return chunks;
    }

    @Test
    void eventStream_becomesRoleContentAndFinishChunks_keepingSpacesAndNewlines() {
        assertJson(json("replicate/streams/text.openai.json"), translate("replicate/streams/text.sse"));
    }

    @Test
    void errorEvent_isAProviderError_withReplicatesDetail() {
        RelayException e = assertThrows(RelayException.class, () -> translate("replicate/streams/error.sse"));

        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
        assertTrue(e.getMessage().contains("CUDA out of memory"), e.getMessage());
    }

    @Test
    void doneEvent_forACanceledPrediction_isAProviderError() {
        RelayException e = assertThrows(RelayException.class, () -> translate("replicate/streams/canceled.sse"));

        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
        assertTrue(e.getMessage().contains("canceled"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"unauthenticated", "invalid-input", "model-not-found", "throttled", "server-error"})
    void replicateErrorBody_becomesTheRightKind_withItsDetail(String name) {
        JsonNode error = json("replicate/errors/" + name + ".json");
        byte[] body = error.get("body").toString().getBytes(StandardCharsets.UTF_8);

        RelayException e = ProviderErrors.from(LABEL, error.get("status").asInt(), body, null, KEY);

        assertEquals(ErrorKind.valueOf(error.get("kind").asText()), e.kind());
        assertTrue(e.getMessage().contains(error.get("body").get("detail").asText().strip()), e.getMessage());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "meta/llama-2-70b-chat, LLAMA_2", "meta/llama-2-13b-chat:f4e2de70, LLAMA_2", "meta/meta-llama-3-8b-instruct, LLAMA_3",
            "meta/meta-llama-3.1-405b-instruct, LLAMA_3", "mistralai/mixtral-8x7b-instruct-v0.1, PLAIN", "meta/codellama-34b-instruct, PLAIN",
            "meta/codellama-13b, PLAIN", "replicate/llama-30b, PLAIN"})
    void modelFamily_choosesTheChatTemplate(String model, ReplicateModel.Template template) {
        assertEquals(template, ReplicateModel.parse(model).template());
    }

    @Test
    void imageParts_areRefused_namingThePart() {
        var request = Golden.parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"What is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}}]}]}");

        RelayException e = assertThrows(RelayException.class,
                () -> ReplicateRequests.prediction(request, ReplicateModel.parse("meta/meta-llama-3-8b-instruct"), false));

        assertEquals("messages[0].content[1]", e.param());
    }
}
