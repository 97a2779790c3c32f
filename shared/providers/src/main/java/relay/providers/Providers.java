package relay.providers;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import relay.core.provider.Provider;
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

    public static List<Provider> all(HttpClient http, Clock clock) {
        return List.of(new OpenAiProvider(http), new MockProvider(clock));
    }
}
