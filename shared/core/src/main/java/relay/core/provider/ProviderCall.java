package relay.core.provider;

import java.time.Duration;

/**
 * One call to a provider: the request, the deployment it goes to, the resolved key (null when none), how long it
 * may take, and how much of the answer may be read.
 */
public record ProviderCall<R>(Deployment deployment, R request, String apiKey, Duration timeout, AnswerLimits limits) {
    public ProviderCall {
        limits = limits == null ? AnswerLimits.DEFAULT : limits;
    }

    /** A call with the default {@link AnswerLimits}. */
    public ProviderCall(Deployment deployment, R request, String apiKey, Duration timeout) {
        this(deployment, request, apiKey, timeout, AnswerLimits.DEFAULT);
    }
}
