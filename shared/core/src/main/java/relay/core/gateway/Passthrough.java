package relay.core.gateway;

import relay.core.provider.Deployment;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionRequest;

/**
 * How a request that came in another API's shape reaches a deployment whose provider speaks that API
 * itself (Anthropic's Messages to Anthropic): as the client sent it, so what a translation through chat
 * would lose (prompt caching, thinking signatures, beta features) survives. Deployments of other
 * providers get the request's chat translation.
 *
 * @param <T> what a native call gives: the answer, or for a stream its usage
 */
@FunctionalInterface
public interface Passthrough<T> {
    /** How {@code deployment} (of {@code provider}) takes the request natively, or null when it takes the chat translation. */
    Call<T> of(Provider provider, Deployment deployment);

    /** One native call. */
    @FunctionalInterface
    interface Call<T> {
        /**
         * @param call      the deployment, its key and timeout (the request is the chat translation, for reference)
         * @param eventSent to run as each streamed event goes to the client (a whole answer never runs it)
         */
        T call(ProviderCall<ChatCompletionRequest> call, Runnable eventSent);
    }

    /** No provider takes it natively: everything goes through chat. */
    static <T> Passthrough<T> none() {
        return (provider, deployment) -> null;
    }
}
