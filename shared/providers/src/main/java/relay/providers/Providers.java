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
        return httpClientSettings().build();
    }

    /**
     * The provider client's settings. The client's own work on an answer (reading it, TLS) runs on its selector thread
     * instead of being handed to a pool thread first: one thread hand-off fewer per answer, about a fifth of the time
     * Relay added to a call on a Lambda (bench/README.md). That is safe because nothing Relay gives the client blocks: every
     * answer is read through {@code BodyHandlers.ofInputStream}, which takes more bytes only as its reader asks.
     */
    static HttpClient.Builder httpClientSettings() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(Runnable::run);
    }

    /**
     * Every provider without an HTTP client: what a config is checked against before anything starts (making a
     * client sets up TLS, which costs a failing start far more than the check itself). Never called: its calls fail.
     */
    public static List<Provider> unconnected() {
        return all(null, Clock.systemUTC(), RequestSigner.NONE);
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
        providers.add(new relay.providers.cohere.CohereProvider(http, clock));
        providers.add(new relay.providers.replicate.ReplicateProvider(http, clock));
        providers.add(new relay.providers.huggingface.HuggingFaceProvider(http));
        providers.add(new relay.providers.azure.AzureProvider(http, clock));
        providers.add(new relay.providers.openrouter.OpenRouterProvider(http, System.getenv("OR_SITE_URL"), System.getenv("OR_APP_NAME"), clock));
        relay.providers.compatible.CompatibleHost.ALL.forEach(host -> providers.add(new relay.providers.compatible.CompatibleHostProvider(http, host, clock)));
        providers.add(new relay.providers.textcompletion.TextCompletionProvider(http, clock));
        providers.add(new relay.providers.anthropic.AnthropicProvider(http, clock));
        providers.add(new relay.providers.google.GeminiProvider(http, clock));
        providers.add(new relay.providers.google.VertexProvider(http, clock));
        providers.add(new relay.providers.bedrock.BedrockProvider(http, clock, awsSigner));
        return List.copyOf(providers);
    }
}
