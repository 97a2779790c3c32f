/**
 * Virtual keys, teams and end users: who may call which model, with which budget and rate limits.
 *
 * <p>{@link relay.core.access.VirtualKeys} authenticates a key (cached in the instance for
 * {@code user_api_key_cache_ttl}) and hands the request path a {@link relay.core.access.KeyGate},
 * which checks the model and reserves the request's worst-case cost and its rate-limit counts with
 * one conditional write per limited entity ({@link relay.core.access.Ledger}) before any provider
 * call; after the answer the reservation is settled to the real cost. {@link relay.core.access.KeyAdmin}
 * is LiteLLM's {@code /key/*} and {@code /team/*} API. Everything is kept in an
 * {@link relay.core.access.AccessStore}: DynamoDB on AWS, {@link relay.core.access.InMemoryAccessStore} in tests.
 */
package relay.core.access;
