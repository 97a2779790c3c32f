package relay.core.provider;

import java.util.List;

/** The vectors a provider returned, in input order, with its token count. */
public record EmbeddingResult(List<float[]> vectors, int promptTokens) {}
