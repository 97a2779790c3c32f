package relay.core.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.ModelRouter;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;

/**
 * How long the semantic cache's embedding call may take: the request's time left, and never more than
 * {@link ModelEmbedder#TIME_LIMIT}. The clock stands still, so the time each call is given is exact.
 */
class ModelEmbedderTest {
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    /** A provider named {@code fake} that answers every embedding at once and records the timeout each call was given. */
    static final class RecordingProvider implements Provider {
        final List<Duration> timeouts = new CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public String defaultKeyName() {
            return null;
        }

        @Override
        public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
            throw new UnsupportedOperationException();
        }

        @Override
        public EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
            timeouts.add(call.timeout());
            return new EmbeddingResult(List.of(new float[] {3, 4}), 1);
        }
    }

    final RecordingProvider provider = new RecordingProvider();

    ModelEmbedder embedder() {
        RelayConfig config = RelayConfig.parse("""
                model_list:
                  - model_name: emb
                    litellm_params: {model: fake/emb}
                router_settings: {num_retries: 0}
                """);
        ModelRouter models = new ModelRouter(config, List.of(provider), Duration.ofMinutes(10));
        Router router = new Router(models, RouterPolicy.from(config), CLOCK, new java.util.SplittableRandom(1));
        return new ModelEmbedder(new Gateway(models, router, new EnvironmentKeyStore(Map.of()), CLOCK, false), "emb", CLOCK);
    }

    @Test
    void theEmbeddingGetsTheRequestsTimeLeft_whenThatIsShorterThanItsOwnLimit() {
        float[] vector = embedder().embed("hello", NOW.plusSeconds(1));

        assertEquals(List.of(Duration.ofSeconds(1)), provider.timeouts, "the call ends at the request's deadline");
        assertEquals(0.6f, vector[0], 1e-6f, "scaled to unit length");
    }

    @Test
    void otherwiseItsOwnLimit_withOrWithoutADeadline() {
        ModelEmbedder embedder = embedder();

        embedder.embed("hello", NOW.plusSeconds(60));
        embedder.embed("hello", null);

        assertEquals(List.of(ModelEmbedder.TIME_LIMIT, ModelEmbedder.TIME_LIMIT), provider.timeouts);
    }
}
