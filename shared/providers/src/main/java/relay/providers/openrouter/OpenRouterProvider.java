package relay.providers.openrouter;

import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Map;
import relay.core.provider.ProviderCall;
import relay.providers.compatible.CompatibleHost;
import relay.providers.compatible.CompatibleHostProvider;

/**
 * OpenRouter ({@code openrouter/<vendor>/<model>}), an OpenAI-compatible router over many vendors'
 * models. Its own body fields ({@code models}, {@code route}, {@code provider}, {@code transforms})
 * pass through like any unknown field; its {@code : OPENROUTER PROCESSING} keep-alive comments are
 * skipped by the SSE reader; an error event mid-stream fails the stream. The optional attribution
 * headers {@code HTTP-Referer} and {@code X-Title} are sent when configured (LiteLLM reads them from
 * {@code OR_SITE_URL} and {@code OR_APP_NAME}).
 */
public final class OpenRouterProvider extends CompatibleHostProvider {
    public static final CompatibleHost HOST = new CompatibleHost("openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY");

    private final String siteUrl;
    private final String appName;

    /**
     * @param siteUrl sent as {@code HTTP-Referer} (your site, for OpenRouter's rankings); null or blank: not sent
     * @param appName sent as {@code X-Title}; null or blank: not sent
     */
    public OpenRouterProvider(HttpClient http, String siteUrl, String appName) {
        this(http, siteUrl, appName, Clock.systemUTC());
    }

    public OpenRouterProvider(HttpClient http, String siteUrl, String appName, Clock clock) {
        super(http, HOST, clock);
        this.siteUrl = blankToNull(siteUrl);
        this.appName = blankToNull(appName);
    }

    @Override
    protected Map<String, String> headers(ProviderCall<?> call) {
        Map<String, String> headers = super.headers(call);
        if (siteUrl != null) headers.put("HTTP-Referer", siteUrl);
        if (appName != null) headers.put("X-Title", appName);
        return headers;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
