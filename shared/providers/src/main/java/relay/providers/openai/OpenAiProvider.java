package relay.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.Redaction;
import relay.core.error.RelayException;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;

/**
 * OpenAI's chat completions and embeddings API. With {@code api_base} it serves any host that speaks
 * the same API. The request body passes through as the client sent it (unknown fields included), with
 * the deployment's model name and without Relay's own fields.
 */
public final class OpenAiProvider implements Provider {
    public static final String DEFAULT_API_BASE = "https://api.openai.com/v1";

    private final HttpClient http;
    private final String name;
    private final String defaultApiBase;
    private final String defaultKeyName;

    public OpenAiProvider(HttpClient http) {
        this(http, "openai", DEFAULT_API_BASE, "OPENAI_API_KEY");
    }

    /** An OpenAI-compatible host under its own prefix, base URL and key name. */
    public OpenAiProvider(HttpClient http, String name, String defaultApiBase, String defaultKeyName) {
        this.http = http;
        this.name = name;
        this.defaultApiBase = defaultApiBase;
        this.defaultKeyName = defaultKeyName;
    }

    @Override
    public String name() { return name; }

    @Override
    public String defaultKeyName() { return defaultKeyName; }

    @Override
    public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
        ObjectNode body = call.request().providerBody(call.deployment().providerModel());
        body.remove("stream");
        body.remove("stream_options"); // OpenAI rejects it without stream: true
        HttpResponse<byte[]> response = send(call, "/chat/completions", body, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() / 100 != 2) throw providerError(call, response.statusCode(), response.body(), response.headers());
        try {
            return Json.MAPPER.readValue(response.body(), ChatCompletionResponse.class);
        } catch (IOException | RuntimeException e) {
            throw malformed(call);
        }
    }

    @Override
    public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
        ObjectNode body = call.request().providerBody(call.deployment().providerModel());
        body.put("stream", true);
        // Always ask for usage so the request log has token counts; the gateway hides it if the client did not ask.
        ObjectNode streamOptions = body.get("stream_options") instanceof ObjectNode clientOptions
                ? clientOptions : body.putObject("stream_options"); // keep the client's other options
        streamOptions.put("include_usage", true);
        HttpResponse<Stream<String>> response = send(call, "/chat/completions", body, HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = response.body()) {
            if (response.statusCode() / 100 != 2) {
                String text = String.join("\n", (Iterable<String>) lines::iterator);
                throw providerError(call, response.statusCode(), text.getBytes(StandardCharsets.UTF_8), response.headers());
            }
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                String line = it.next();
                if (!line.startsWith("data:")) continue; // comments, event names, blank separators
                String data = line.substring(5).strip();
                if (data.equals("[DONE]")) return;
                chunks.accept(parseChunk(call, data));
            }
        } catch (java.io.UncheckedIOException e) {
            throw unreachable(call, e.getCause());
        }
        throw new RelayException(ErrorKind.PROVIDER_ERROR, providerLabel(call) + " ended its stream before [DONE].");
    }

    private ChatCompletionChunk parseChunk(ProviderCall<?> call, String data) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(data);
        } catch (IOException e) {
            throw malformed(call);
        }
        if (node.has("error")) {
            throw providerError(call, 500, data.getBytes(StandardCharsets.UTF_8), null);
        }
        try {
            return Json.MAPPER.treeToValue(node, ChatCompletionChunk.class);
        } catch (IOException | RuntimeException e) {
            throw malformed(call);
        }
    }

    @Override
    public EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
        ObjectNode body = call.request().providerBody(call.deployment().providerModel());
        body.put("encoding_format", "base64"); // a quarter of the bytes of JSON floats
        HttpResponse<byte[]> response = send(call, "/embeddings", body, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() / 100 != 2) throw providerError(call, response.statusCode(), response.body(), response.headers());
        try {
            JsonNode root = Json.MAPPER.readTree(response.body());
            JsonNode data = root.path("data");
            float[][] vectors = new float[data.size()][];
            for (JsonNode item : data) {
                int index = item.path("index").asInt();
                vectors[index] = vector(item.path("embedding"));
            }
            List<float[]> ordered = new ArrayList<>(List.of(vectors));
            if (ordered.contains(null)) throw malformed(call);
            return new EmbeddingResult(ordered, root.path("usage").path("prompt_tokens").asInt(0));
        } catch (IOException | RuntimeException e) {
            if (e instanceof RelayException relay) throw relay;
            throw malformed(call);
        }
    }

    private static float[] vector(JsonNode embedding) {
        if (embedding.isTextual()) {
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(embedding.asText())).order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[bytes.remaining() / Float.BYTES];
            for (int i = 0; i < v.length; i++) v[i] = bytes.getFloat();
            return v;
        }
        float[] v = new float[embedding.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) embedding.get(i).asDouble();
        return v;
    }

    private <T> HttpResponse<T> send(ProviderCall<?> call, String path, ObjectNode body, HttpResponse.BodyHandler<T> handler) {
        String base = call.deployment().apiBase() == null ? defaultApiBase : call.deployment().apiBase();
        try {
            // Built inside the try: a bad api_base fails here, in URI.create or newBuilder.
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(stripSlash(base) + path))
                    .timeout(call.timeout())
                    .header("content-type", "application/json")
                    .header("accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(body)));
            if (call.apiKey() != null) request.header("authorization", "Bearer " + call.apiKey());
            return http.send(request.build(), handler);
        } catch (java.net.http.HttpConnectTimeoutException e) {
            throw unreachable(call, e);
        } catch (HttpTimeoutException e) {
            throw new RelayException(ErrorKind.REQUEST_TIMEOUT, providerLabel(call) + " did not answer within "
                    + call.timeout().toMillis() + " ms.", null, Map.of(), e);
        } catch (IOException e) {
            throw unreachable(call, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RelayException(ErrorKind.PROVIDER_UNAVAILABLE, providerLabel(call) + " call was interrupted.");
        } catch (IllegalArgumentException e) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "The api_base of deployment " + call.deployment().id()
                    + " is not a valid URL.");
        }
    }

    private RelayException unreachable(ProviderCall<?> call, Throwable cause) {
        String reason = cause == null || cause.getMessage() == null ? cause == null ? "I/O error" : cause.getClass().getSimpleName()
                : cause.getMessage();
        return new RelayException(ErrorKind.PROVIDER_UNAVAILABLE, "Could not reach " + providerLabel(call) + ": "
                + Redaction.scrub(reason, call.apiKey()), null, Map.of(), cause);
    }

    private RelayException malformed(ProviderCall<?> call) {
        return new RelayException(ErrorKind.PROVIDER_ERROR, providerLabel(call) + " returned a response Relay could not read.");
    }

    /** Maps the provider's error to OpenAI's kinds; keeps retry-after; never echoes the key. */
    private RelayException providerError(ProviderCall<?> call, int status, byte[] body, java.net.http.HttpHeaders headers) {
        String message = null;
        String code = null;
        try {
            JsonNode error = Json.MAPPER.readTree(body).path("error");
            message = error.isTextual() ? error.asText() : error.path("message").asText(null);
            code = error.path("code").asText(error.path("type").asText(null));
        } catch (IOException | RuntimeException ignored) {
            // not JSON: fall back to the status alone
        }
        ErrorKind kind = ErrorKind.fromProviderStatus(status);
        String lowerMessage = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
        if ("context_length_exceeded".equals(code) || lowerMessage.contains("maximum context length")) {
            kind = ErrorKind.CONTEXT_WINDOW_EXCEEDED;
        } else if ("content_policy_violation".equals(code) || "content_filter".equals(code)) {
            kind = ErrorKind.CONTENT_POLICY;
        }
        Map<String, String> passOn = new java.util.HashMap<>();
        if (headers != null) {
            headers.firstValue("retry-after").ifPresent(v -> passOn.put("retry-after", v));
            headers.firstValue("retry-after-ms").ifPresent(v -> passOn.put("retry-after-ms", v));
        }
        String detail = message == null || message.isBlank() ? "HTTP " + status : Redaction.scrub(message, call.apiKey());
        return new RelayException(kind, providerLabel(call) + " returned " + status + ": " + detail, null, passOn, null);
    }

    private String providerLabel(ProviderCall<?> call) {
        return name + " (" + call.deployment().providerModel() + ")";
    }

    private static String stripSlash(String base) {
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }
}
