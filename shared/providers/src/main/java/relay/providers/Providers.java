package relay.providers;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import relay.core.provider.Provider;
import relay.core.provider.RequestSigner;
import relay.providers.mock.MockProvider;
import relay.providers.openai.OpenAiProvider;

/** Every provider Relay knows, built once per process around one shared HTTP client. */
public final class Providers {
    private Providers() {}

    /** The one HTTP client for all provider calls: connections are pooled and reused across requests. */
    public static HttpClient httpClient() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * @param awsSigner signs requests to AWS services (Bedrock) with the process's AWS credentials;
     *                  {@link RequestSigner#NONE} where there are none
     */
    public static List<Provider> all(HttpClient http, Clock clock, RequestSigner awsSigner) {
        List<Provider> providers = new ArrayList<>();
        providers.add(new OpenAiProvider(http));
        providers.add(new MockProvider(clock));
        // one line per provider below
        return List.copyOf(providers);
    }
}
