package relay.core.provider;

import java.time.Duration;

/** One call to a provider: the request, the deployment it goes to, and the resolved key (null when none). */
public record ProviderCall<R>(Deployment deployment, R request, String apiKey, Duration timeout) {}
