package relay.providers.mock;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import relay.core.error.RelayException;
import relay.core.provider.Completions;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.Usage;

/**
 * A deterministic model for demos and tests, with no network: it answers with the last user
 * message, and embeds a text as a unit vector derived from its SHA-256 (same text, same vector).
 */
public final class MockProvider implements Provider {
    static final int DEFAULT_DIMENSIONS = 64;

    private final Clock clock;

    public MockProvider(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String name() { return "mock"; }

    @Override
    public String defaultKeyName() { return null; }

    /** The answer text for a request: the same request always gets the same answer. */
    static String answer(ChatCompletionRequest request) {
        return "Mock answer to: " + request.lastUserText();
    }

    @Override
    public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
        String text = answer(call.request());
        return Completions.response(Completions.newId(), clock.instant().getEpochSecond(),
                call.deployment().providerModel(), text, usage(call.request(), text));
    }

    @Override
    public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
        String text = answer(call.request());
        Completions.chunks(Completions.newId(), clock.instant().getEpochSecond(), call.deployment().providerModel(), text,
                usage(call.request(), text)).forEach(chunks);
    }

    @Override
    public EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
        EmbeddingRequest request = call.request();
        if (request.tokenInput()) {
            throw RelayException.invalid("input", "The mock provider embeds text only; send 'input' as strings.");
        }
        int dimensions = request.dimensions() == null ? DEFAULT_DIMENSIONS : request.dimensions();
        List<float[]> vectors = new ArrayList<>();
        int tokens = 0;
        for (String text : request.input()) {
            vectors.add(vector(text, dimensions));
            tokens += Completions.estimateTokens(text);
        }
        return new EmbeddingResult(vectors, tokens);
    }

    private static Usage usage(ChatCompletionRequest request, String answer) {
        int prompt = request.messages().stream().mapToInt(m -> Completions.estimateTokens(m.text())).sum();
        return Usage.of(prompt, Completions.estimateTokens(answer));
    }

    static float[] vector(String text, int dimensions) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] seed = sha.digest(text.getBytes(StandardCharsets.UTF_8));
            float[] v = new float[dimensions];
            double norm = 0;
            for (int i = 0; i < dimensions; i++) {
                if (i > 0 && i % seed.length == 0) seed = sha.digest(seed);
                v[i] = seed[i % seed.length] / 128f;
                norm += v[i] * v[i];
            }
            float scale = (float) (1 / Math.sqrt(norm == 0 ? 1 : norm));
            for (int i = 0; i < dimensions; i++) v[i] *= scale;
            return v;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
