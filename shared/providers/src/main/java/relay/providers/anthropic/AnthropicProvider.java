package relay.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.providers.http.ProviderHttp;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}). The translation lives in
 * {@link AnthropicRequests}, {@link AnthropicResponses} and {@link AnthropicStream}; this class only
 * does HTTP. Anthropic has no embeddings.
 */
public final class AnthropicProvider implements Provider {
    public static final String DEFAULT_API_BASE = "https://api.anthropic.com";
    public static final String API_VERSION = "2023-06-01";

    /** n, seed, logit_bias, logprobs and the penalties have no Anthropic counterpart, so the gateway rejects or drops them. */
    private static final Set<String> SUPPORTED = Set.of("temperature", "top_p", "max_tokens", "max_completion_tokens",
            "stop", "response_format", "tools", "tool_choice", "parallel_tool_calls", "functions", "function_call", "reasoning_effort");

    private final ProviderHttp http;
    private final Clock clock;
    private final AnthropicPassthrough passthrough;

    public AnthropicProvider(HttpClient http) {
        this(http, Clock.systemUTC());
    }

    public AnthropicProvider(HttpClient http, Clock clock) {
        this.http = new ProviderHttp(http);
        this.clock = clock;
        this.passthrough = new AnthropicPassthrough(this.http);
    }

    /** {@code /v1/messages} requests go to Anthropic as they were sent. */
    @Override
    public relay.core.provider.NativeMessages nativeMessages(relay.core.provider.Deployment deployment) { return passthrough; }

    @Override
    public String name() { return "anthropic"; }

    @Override
    public String defaultKeyName() { return "ANTHROPIC_API_KEY"; }

    @Override
    public Set<String> supportedChatParams() { return SUPPORTED; }

    @Override
    public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
        ObjectNode body = AnthropicRequests.toAnthropic(call.request(), call.deployment().providerModel(), false);
        String label = ProviderHttp.label(name(), call);
        JsonNode answer = ProviderHttp.readJson(label, call, http.postJson(label, call, uri(call), headers(call, "application/json"), body));
        try {
            return AnthropicResponses.toOpenAi(answer, now(), AnswerShape.of(call.request()));
        } catch (RuntimeException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    @Override
    public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
        ObjectNode body = AnthropicRequests.toAnthropic(call.request(), call.deployment().providerModel(), true);
        String label = ProviderHttp.label(name(), call);
        InputStream events = http.postJson(label, call, uri(call), headers(call, "text/event-stream"), body);
        AnthropicStream stream = new AnthropicStream(now(), AnswerShape.of(call.request()), chunks, label, call.apiKey());
        boolean complete = ProviderHttp.readEvents(label, call, events, event -> stream.accept(parse(label, event.data())));
        if (!complete) throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " ended its stream before message_stop.");
    }

    private static JsonNode parse(String label, String data) {
        try {
            return Json.MAPPER.readTree(data);
        } catch (IOException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }

    /**
     * {@code api_base} may be the host (as Anthropic's SDKs take it), end in {@code /v1}, or be the
     * whole {@code .../v1/messages} URL (as LiteLLM configs often give it).
     */
    static URI uri(ProviderCall<?> call) {
        String base = ProviderHttp.base(call, DEFAULT_API_BASE);
        String url = base.endsWith("/v1/messages") ? base : base.endsWith("/v1") ? base + "/messages" : base + "/v1/messages";
        try {
            URI uri = URI.create(url);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) throw new IllegalArgumentException();
            return uri;
        } catch (IllegalArgumentException e) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "The api_base of deployment " + call.deployment().id()
                    + " is not a valid URL.");
        }
    }

    private static Map<String, String> headers(ProviderCall<?> call, String accept) {
        Map<String, String> headers = new HashMap<>();
        headers.put("accept", accept);
        headers.put("anthropic-version", API_VERSION);
        if (call.apiKey() != null) headers.put("x-api-key", call.apiKey());
        return headers;
    }
}
