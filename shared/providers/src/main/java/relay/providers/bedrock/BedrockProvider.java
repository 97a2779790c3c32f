package relay.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Completions;
import relay.core.provider.Deployment;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.NativeMessages;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.provider.RequestSigner;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.providers.http.ProviderErrors;
import relay.providers.http.ProviderHttp;

/**
 * AWS Bedrock's Converse and ConverseStream APIs (any chat model Bedrock serves), Anthropic's Messages
 * API for Claude models through InvokeModel ({@link BedrockClaudeMessages}), and its Titan and Cohere
 * embedding models. Requests are signed with SigV4 by the process's AWS credentials; a
 * deployment with an {@code api_key} sends it as a Bedrock API key ({@code Authorization: Bearer})
 * instead. The region is the deployment's {@code aws_region_name}, else {@code AWS_REGION}; an
 * {@code api_base} replaces the whole endpoint (a VPC endpoint, a proxy, a test server).
 */
public final class BedrockProvider implements Provider {
    public static final String NAME = "bedrock";
    /** SigV4's service name for bedrock-runtime. */
    static final String SIGNING_SERVICE = "bedrock";
    static final String DEFAULT_REGION = "us-east-1";
    static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

    private static final Set<String> SUPPORTED = Set.of("temperature", "top_p", "max_tokens", "max_completion_tokens",
            "stop", "response_format", "tools", "tool_choice", "functions", "function_call", "reasoning_effort");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,32}");
    /** Headers the HTTP client sets itself (and refuses from callers). */
    private static final Set<String> CLIENT_HEADERS = Set.of("host", "content-length", "content-type", "connection");

    private final ProviderHttp http;
    private final Clock clock;
    private final RequestSigner signer;
    private final String defaultRegion;
    private final BedrockClaudeMessages claudeMessages = new BedrockClaudeMessages(this);

    /** Reads the default region from {@code AWS_REGION} (then {@code AWS_DEFAULT_REGION}) once. */
    public BedrockProvider(HttpClient http, Clock clock, RequestSigner signer) {
        this(http, clock, signer, regionFrom(System.getenv()));
    }

    public BedrockProvider(HttpClient http, Clock clock, RequestSigner signer, String defaultRegion) {
        this.http = new ProviderHttp(http);
        this.clock = clock;
        this.signer = signer;
        this.defaultRegion = defaultRegion;
    }

    static String regionFrom(Map<String, String> env) {
        for (String name : List.of("AWS_REGION", "AWS_DEFAULT_REGION")) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) return value.strip();
        }
        return DEFAULT_REGION;
    }

    @Override
    public String name() { return NAME; }

    @Override
    public String defaultKeyName() { return null; }

    /** No {@code n}, {@code seed}, penalties, logprobs or parallel_tool_calls: Converse has no such settings. */
    @Override
    public Set<String> supportedChatParams() { return SUPPORTED; }

    /** Claude models take {@code /v1/messages} natively, through InvokeModel. */
    @Override
    public NativeMessages nativeMessages(Deployment deployment) {
        return BedrockClaudeMessages.servesClaude(deployment) ? claudeMessages : null;
    }

    @Override
    public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
        var converse = ConverseRequests.toConverse(call.request());
        ConverseRequests.reasoning(call.request(), call.deployment().providerModel(), converse.body());
        String label = ProviderHttp.label(NAME, call);
        JsonNode answer = ProviderHttp.readJson(label, call, post(label, call, "converse", converse.body(), "application/json"));
        try {
            return ConverseResponses.toOpenAi(answer, converse.shape(), Completions.newId(),
                    clock.instant().getEpochSecond(), call.deployment().providerModel());
        } catch (RuntimeException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    @Override
    public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
        var converse = ConverseRequests.toConverse(call.request());
        ConverseRequests.reasoning(call.request(), call.deployment().providerModel(), converse.body());
        String label = ProviderHttp.label(NAME, call);
        var translator = new ConverseStreamTranslator(Completions.newId(), clock.instant().getEpochSecond(),
                call.deployment().providerModel(), converse.shape(), chunks);
        try (InputStream events = post(label, call, "converse-stream", converse.body(), EVENT_STREAM)) {
            EventStreamDecoder decoder = new EventStreamDecoder(events, call.limits().eventBytes());
            for (var message = decoder.next(); message != null; message = decoder.next()) {
                dispatch(label, call, message, translator);
            }
        } catch (EventStreamDecoder.MessageTooLargeException e) {
            throw ProviderHttp.tooLarge(label, "a stream event", call.limits().eventBytes(), "max_stream_event_size_mb");
        } catch (EventStreamDecoder.MalformedFrameException e) {
            throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " sent a corrupt event-stream frame: " + e.getMessage());
        } catch (IOException e) {
            throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " broke off its stream: "
                    + ProviderErrors.message(String.valueOf(e.getMessage()), call.apiKey(), false));
        }
        if (!translator.complete()) {
            throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " ended its stream before messageStop.");
        }
        translator.finish();
    }

    private static void dispatch(String label, ProviderCall<?> call, EventStreamDecoder.Message message,
                                 ConverseStreamTranslator translator) {
        translator.onEvent(message.header(":event-type"), payload(label, call, message));
    }

    /** An event message's JSON payload; an exception or error frame is thrown as the failure it reports. */
    static JsonNode payload(String label, ProviderCall<?> call, EventStreamDecoder.Message message) {
        String type = message.header(":message-type");
        if ("exception".equals(type)) {
            throw BedrockErrors.streamException(label, message.header(":exception-type"), messageOf(message), call.apiKey());
        }
        if ("error".equals(type)) { // the event-stream protocol's own error frame
            throw BedrockErrors.streamException(label, message.header(":error-code"), message.header(":error-message"), call.apiKey());
        }
        JsonNode event;
        try {
            event = Json.MAPPER.readTree(message.payload());
        } catch (IOException e) {
            throw ProviderHttp.malformed(label);
        }
        return event == null ? Json.object() : event;
    }

    private static String messageOf(EventStreamDecoder.Message message) {
        try {
            JsonNode payload = Json.MAPPER.readTree(message.payload());
            return payload == null ? null : payload.path("message").asText(payload.path("Message").asText(null));
        } catch (IOException e) {
            return message.payloadText();
        }
    }

    @Override
    public EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
        EmbeddingRequest request = call.request();
        BedrockEmbeddings.checkInput(request);
        String model = call.deployment().providerModel();
        String label = ProviderHttp.label(NAME, call);
        try {
            return switch (BedrockEmbeddings.family(model)) {
                case TITAN -> {
                    List<float[]> vectors = new ArrayList<>();
                    int tokens = 0;
                    for (String text : request.input()) { // Titan embeds one text per call
                        JsonNode answer = invoke(label, call, BedrockEmbeddings.titanBody(text, request.dimensions()));
                        vectors.add(BedrockEmbeddings.titanVector(answer));
                        tokens += BedrockEmbeddings.titanTokens(answer);
                    }
                    yield new EmbeddingResult(vectors, tokens);
                }
                case COHERE -> {
                    JsonNode answer = invoke(label, call, BedrockEmbeddings.cohereBody(request.input(), request, model));
                    // Cohere reports its token count only in a response header; estimate it instead
                    int tokens = request.input().stream().mapToInt(Completions::estimateTokens).sum();
                    yield new EmbeddingResult(BedrockEmbeddings.cohereVectors(answer, request.input().size()), tokens);
                }
            };
        } catch (IllegalArgumentException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    private JsonNode invoke(String label, ProviderCall<?> call, Object body) {
        return ProviderHttp.readJson(label, call, post(label, call, "invoke", body, "application/json"));
    }

    /** POSTs {@code body} to {@code /model/{id}/{action}}, signed (or with the deployment's Bedrock API key). */
    InputStream post(String label, ProviderCall<?> call, String action, Object body, String accept) {
        URI uri = uri(call, action);
        byte[] bytes = Json.writeBytes(body);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json");
        headers.put("accept", accept);
        if (call.apiKey() != null) {
            headers.put("authorization", "Bearer " + call.apiKey());
        } else {
            headers = signer.sign("POST", uri, headers, bytes, SIGNING_SERVICE, region(call));
        }
        Map<String, String> send = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (!CLIENT_HEADERS.contains(name.toLowerCase(Locale.ROOT))) send.put(name, value);
        });
        return http.post(label, call, uri, send, "application/json", bytes);
    }

    String region(ProviderCall<?> call) {
        String configured = call.deployment().option("aws_region_name");
        String region = configured == null || configured.isBlank() ? defaultRegion : configured.strip();
        if (!REGION.matcher(region).matches()) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "The AWS region '" + region + "' of deployment "
                    + call.deployment().id() + " is not a region name such as us-east-1.");
        }
        return region;
    }

    /** {@code {base}/model/{url-encoded model id}/{action}}; the id may be an ARN, so ':' and '/' are encoded. */
    URI uri(ProviderCall<?> call, String action) {
        String base = ProviderHttp.base(call, "https://bedrock-runtime." + region(call) + ".amazonaws.com");
        String model = URLEncoder.encode(call.deployment().providerModel(), StandardCharsets.UTF_8).replace("+", "%20");
        try {
            return URI.create(base + "/model/" + model + "/" + action);
        } catch (IllegalArgumentException e) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "The api_base of deployment " + call.deployment().id()
                    + " is not a valid URL.");
        }
    }
}
