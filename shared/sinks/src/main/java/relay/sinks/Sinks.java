package relay.sinks;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import relay.core.keys.KeyStore;

/**
 * The sinks Relay has, by LiteLLM's callback names, and the routes a config's callbacks make of them.
 *
 * <table>
 *   <tr><th>name</th><th>keys (key store: the secret's fields on AWS, environment variables locally)</th></tr>
 *   <tr><td>supabase</td><td>SUPABASE_URL, SUPABASE_KEY; SUPABASE_TABLE (request_logs)</td></tr>
 *   <tr><td>posthog</td><td>POSTHOG_API_KEY; POSTHOG_API_URL (https://us.i.posthog.com)</td></tr>
 *   <tr><td>mixpanel</td><td>MIXPANEL_PROJECT_TOKEN; MIXPANEL_API_URL (https://api.mixpanel.com)</td></tr>
 *   <tr><td>sentry</td><td>SENTRY_DSN; SENTRY_ENVIRONMENT (production)</td></tr>
 *   <tr><td>helicone</td><td>HELICONE_API_KEY; HELICONE_API_BASE (https://api.worker.helicone.ai)</td></tr>
 * </table>
 */
public final class Sinks {
    public static final List<String> NAMES = List.of("supabase", "posthog", "mixpanel", "sentry", "helicone");

    private Sinks() {}

    public static Optional<Sink> named(String name, KeyStore keys, Clock clock) {
        return Optional.ofNullable(switch (name) {
            case "supabase" -> new SupabaseSink(keys);
            case "posthog" -> new PostHogSink(keys);
            case "mixpanel" -> new MixpanelSink(keys);
            case "sentry" -> new SentrySink(keys, clock);
            case "helicone" -> new HeliconeSink(keys);
            default -> null;
        });
    }

    /** One route per sink the settings name; a name Relay has no sink for is skipped. */
    public static List<Dispatcher.Route> routes(SinkSettings settings, KeyStore keys, Clock clock) {
        List<Dispatcher.Route> routes = new ArrayList<>();
        for (String name : settings.names()) {
            Optional<Sink> sink = named(name, keys, clock);
            if (sink.isEmpty()) continue; // named once at startup, with the config's other ignored settings (ConfigKeys)
            routes.add(new Dispatcher.Route(sink.get(), settings.successCallbacks().contains(name),
                    settings.failureCallbacks().contains(name)));
        }
        return routes;
    }

    /** The process's one HTTP client for all sinks: pooled connections, short connect timeout, no redirects. */
    public static HttpClient httpClient() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(3))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }
}
