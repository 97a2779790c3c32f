package relay.core.gateway;

import java.time.Clock;
import java.util.List;
import relay.core.Json;
import relay.core.cache.Embedder;
import relay.core.cache.VectorCodec;
import relay.core.wire.EmbeddingRequest;

/**
 * The semantic cache's embedder when {@code cache_params.embedding_model} names a model group: each
 * prompt goes through the gateway (routing, retries, fallbacks and keys as for any request) to that
 * group's embedding deployments. The vectors are scaled to unit length, as the cache compares them by dot product.
 */
public final class ModelEmbedder implements Embedder {
    /** An embedding for the cache must not hold up the request it serves for long, nor outlive the request's deadline. */
    static final java.time.Duration TIME_LIMIT = java.time.Duration.ofSeconds(5);

    private final Gateway gateway;
    private final String modelGroup;
    private final Clock clock;
    private volatile int dimensions;

    /** @param gateway a gateway without a response cache (the cache's own lookups must not recurse) */
    public ModelEmbedder(Gateway gateway, String modelGroup, Clock clock) {
        this.gateway = gateway;
        this.modelGroup = modelGroup;
        this.clock = clock;
    }

    @Override
    public float[] embed(String text) {
        return embed(text, null);
    }

    @Override
    public float[] embed(String text, java.time.Instant deadline) {
        var request = new EmbeddingRequest(modelGroup, List.of(text), false, EmbeddingRequest.EncodingFormat.FLOAT, null, null,
                Json.object().put("model", modelGroup).put("input", text));
        var trace = new RequestTrace("cache-embedding", clock.instant(), "/embeddings");
        java.time.Instant limit = clock.instant().plus(TIME_LIMIT);
        trace.deadline(deadline != null && deadline.isBefore(limit) ? deadline : limit);
        float[] vector = gateway.embed(request, trace).vectors().get(0);
        dimensions = vector.length;
        return VectorCodec.unit(vector);
    }

    /** 0 until the first vector: the model's size is known only from its answers. */
    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public String name() {
        return "model:" + modelGroup;
    }
}
