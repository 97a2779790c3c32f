package relay.providers.azure;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

/**
 * Where an Azure OpenAI call goes. The classic surface names the deployment in the path and needs an
 * {@code api-version}: {@code {api_base}/openai/deployments/{deployment}{path}?api-version={v}}. The
 * v1 surface ({@code api_base} ending in {@code /openai/v1}) is OpenAI's own path scheme with the
 * deployment as {@code model}, and takes no version.
 */
public final class AzureUrls {
    /** The latest GA version when this was written; used when neither the deployment nor api_base names one. */
    public static final String DEFAULT_API_VERSION = "2024-10-21";

    private AzureUrls() {}

    /** The parts of a deployment's {@code api_base}: the base URL without query or trailing slash, and its api-version. */
    public record Base(String url, String apiVersion) {
        /** Whether this is the v1 surface, which needs no deployment path and no version. */
        public boolean v1() {
            return url.endsWith("/openai/v1");
        }
    }

    /** Splits {@code apiBase}, which may carry {@code ?api-version=} (as Azure's portal shows it); a missing one is a 400. */
    public static Base base(String apiBase, String deploymentId) {
        if (apiBase == null || apiBase.isBlank()) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "Deployment " + deploymentId + " has no api_base: Azure OpenAI"
                    + " needs your resource's endpoint, e.g. api_base: https://my-resource.openai.azure.com");
        }
        String url = apiBase.strip();
        String version = null;
        int query = url.indexOf('?');
        if (query >= 0) {
            for (String pair : url.substring(query + 1).split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).equals("api-version")) {
                    version = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                }
            }
            url = url.substring(0, query);
        }
        while (url.endsWith("/")) url = url.substring(0, url.length() - 1);
        return new Base(url, version == null || version.isBlank() ? null : version);
    }

    /**
     * Where a deployment's Responses API calls go ({@code model} in the body names the deployment). The v1 surface,
     * which Azure documents for the Responses API ({@code {endpoint}/openai/v1/responses}), unless the deployment
     * names a preview version that has it ({@code preview}, or a dated {@code -preview} from 2025-03-01 on): then
     * {@code {endpoint}/openai/responses?api-version={v}}. A GA chat version (such as the default 2024-10-21) has no
     * Responses API, so it does not steer this.
     */
    public static String responsesUrl(Base base, String apiVersionOption) {
        if (base.v1()) return base.url() + "/responses";
        String root = base.url().endsWith("/openai") ? base.url().substring(0, base.url().length() - "/openai".length()) : base.url();
        String version = apiVersionOption != null && !apiVersionOption.isBlank() ? apiVersionOption.strip() : base.apiVersion();
        if (version != null && (version.equals("preview") || (version.endsWith("-preview") && version.compareTo("2025-03-01") >= 0))) {
            return root + "/openai/responses?api-version=" + URLEncoder.encode(version, StandardCharsets.UTF_8);
        }
        return root + "/openai/v1/responses";
    }

    /**
     * The URL of {@code path} ({@code /chat/completions} or {@code /embeddings}) for a deployment.
     *
     * @param apiVersionOption the deployment's {@code api_version} from litellm_params, or null; it wins over api_base's
     */
    public static String url(Base base, String deployment, String apiVersionOption, String path) {
        if (base.v1()) return base.url() + path;
        String root = base.url().endsWith("/openai") ? base.url().substring(0, base.url().length() - "/openai".length()) : base.url();
        String version = apiVersionOption != null && !apiVersionOption.isBlank() ? apiVersionOption.strip()
                : base.apiVersion() != null ? base.apiVersion() : DEFAULT_API_VERSION;
        return root + "/openai/deployments/" + URLEncoder.encode(deployment, StandardCharsets.UTF_8).replace("+", "%20")
                + path + "?api-version=" + URLEncoder.encode(version, StandardCharsets.UTF_8);
    }
}
