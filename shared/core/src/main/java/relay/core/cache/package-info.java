/**
 * The response cache: exact answers by a hash of the normalized request, and semantic answers for a
 * paraphrased last user message within the same scope (model group, system prompt, earlier turns,
 * parameters), found through a random-hyperplane LSH index over the prompt's embedding.
 *
 * <p>{@link relay.core.cache.ResponseCaching} is the gateway's entry point; {@link relay.core.cache.ResponseCache}
 * is the store (DynamoDB in {@code relay.aws.cache}, {@link relay.core.cache.InMemoryResponseCache} for tests).
 */
package relay.core.cache;
