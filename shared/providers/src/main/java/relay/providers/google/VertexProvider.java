package relay.providers.google;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.ProviderCall;
import relay.core.wire.EmbeddingRequest;
import relay.providers.http.ProviderHttp;

/**
 * Google Cloud's Vertex AI, prefix {@code vertex_ai/}: Gemini's {@code generateContent} under a project
 * and region, and Anthropic's Messages API for Claude models ({@link VertexClaudeMessages}), signed in
 * with a service account. The deployment's key is the account's whole JSON key
 * file; the project is its {@code project_id} unless {@code vertex_project} says otherwise, the region
 * {@code vertex_location} (default {@code us-central1}). An {@code api_base} replaces the host; one that
 * already names the model ({@code …/models/gemini-2.5-pro}, LiteLLM's form) is the whole base.
 */
public final class VertexProvider extends GoogleProvider {
    public static final String DEFAULT_LOCATION = "us-central1";
    private static final String SEGMENT = "[A-Za-z0-9._:-]+";

    private final AccessTokens tokens;
    private final Map<String, ServiceAccount> accounts = new ConcurrentHashMap<>(); // key file -> parsed, once
    private final VertexClaudeMessages claudeMessages = new VertexClaudeMessages(this);

    public VertexProvider(HttpClient http, Clock clock) {
        this(http, clock, ToolCallIds.RANDOM_IDS);
    }

    VertexProvider(HttpClient http, Clock clock, Supplier<String> toolCallIds) {
        super(new ProviderHttp(http), clock, toolCallIds);
        this.tokens = new AccessTokens(this.http, clock);
    }

    @Override
    public String name() { return "vertex_ai"; }

    @Override
    public String defaultKeyName() { return "VERTEX_SERVICE_ACCOUNT_JSON"; }

    @Override
    URI uri(ProviderCall<?> call, String method) {
        return publisherUri(call, "google", method);
    }

    /** The URL of {@code method} for the call's model from {@code publisher} ({@code google}, {@code anthropic}). */
    URI publisherUri(ProviderCall<?> call, String publisher, String method) {
        String apiBase = call.deployment().apiBase();
        if (apiBase != null && apiBase.contains("/models/")) return uri(call, ProviderHttp.base(call, apiBase), ":" + method);
        String location = setting(call, "vertex_location", DEFAULT_LOCATION);
        String host = location.equals("global") ? "https://aiplatform.googleapis.com" : "https://" + location + "-aiplatform.googleapis.com";
        String path = "/v1/projects/" + project(call) + "/locations/" + location + "/publishers/" + publisher + "/models/" + model(call) + ":" + method;
        return uri(call, ProviderHttp.base(call, host), path);
    }

    /** Claude models ({@code claude-…}) take {@code /v1/messages} natively, through rawPredict. */
    @Override
    public relay.core.provider.NativeMessages nativeMessages(relay.core.provider.Deployment deployment) {
        return VertexClaudeMessages.servesClaude(deployment) ? claudeMessages : null;
    }

    @Override
    Map<String, String> authHeaders(String label, ProviderCall<?> call) {
        return Map.of("authorization", "Bearer " + tokens.token(label, call, account(call)));
    }

    @Override
    void authenticationFailed(ProviderCall<?> call) {
        tokens.invalidate(account(call));
    }

    @Override
    public EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
        return embed(call, "predict", GoogleEmbeddings.vertexRequest(call.request()), GoogleEmbeddings::vertexResult);
    }

    private ServiceAccount account(ProviderCall<?> call) {
        if (call.apiKey() == null) {
            throw new RelayException(ErrorKind.AUTHENTICATION, "Deployment " + call.deployment().id() + " has no service-account key.");
        }
        ServiceAccount account = accounts.get(call.apiKey());
        if (account == null) {
            account = ServiceAccount.parse(call.apiKey(), call.deployment().id());
            accounts.put(call.apiKey(), account);
        }
        return account;
    }

    private String project(ProviderCall<?> call) {
        String project = call.deployment().option("vertex_project");
        if (project == null) project = account(call).projectId();
        if (project == null) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "Deployment " + call.deployment().id()
                    + " names no Google Cloud project: set vertex_project in its litellm_params.");
        }
        return checked(call, "vertex_project", project);
    }

    private static String setting(ProviderCall<?> call, String name, String fallback) {
        String value = call.deployment().option(name);
        return checked(call, name, value == null || value.isBlank() ? fallback : value);
    }

    /** Project and region go into the URL's path: only the characters Google's ids use. */
    private static String checked(ProviderCall<?> call, String name, String value) {
        if (!value.matches(SEGMENT)) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "The " + name + " of deployment " + call.deployment().id()
                    + " is not a valid Google Cloud id.");
        }
        return value;
    }
}
