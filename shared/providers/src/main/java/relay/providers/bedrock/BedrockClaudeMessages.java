package relay.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.Locale;
import java.util.function.Consumer;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Deployment;
import relay.core.provider.NativeMessages;
import relay.core.provider.ProviderCall;
import relay.providers.anthropic.AnthropicPassthrough;
import relay.providers.http.ProviderErrors;
import relay.providers.http.ProviderHttp;

/**
 * Anthropic's Messages API on Bedrock, for Claude models: the client's {@code /v1/messages} body goes to
 * InvokeModel ({@code /model/{id}/invoke}) or InvokeModelWithResponseStream
 * ({@code /invoke-with-response-stream}) as Bedrock takes it (no {@code model} or {@code stream}, its
 * {@code anthropic_version}, the client's {@code anthropic-beta} header as {@code anthropic_beta}), so
 * prompt caching, thinking signatures and beta features survive. Answers come back as Claude sent them;
 * a stream's events are the {@code bytes} of Bedrock's {@code chunk} events, handed on as they arrive.
 */
final class BedrockClaudeMessages implements NativeMessages {
    static final String ANTHROPIC_VERSION = "bedrock-2023-05-31";

    private final BedrockProvider bedrock;

    BedrockClaudeMessages(BedrockProvider bedrock) {
        this.bedrock = bedrock;
    }

    /**
     * Claude's model ids on Bedrock: {@code anthropic.claude-…}, a cross-region profile
     * ({@code us.anthropic.claude-…}, {@code global.…}) or an ARN naming one.
     */
    static boolean servesClaude(Deployment deployment) {
        return deployment.providerModel().toLowerCase(Locale.ROOT).contains("anthropic.claude");
    }

    @Override
    public relay.core.wire.ChatCompletionResponse chatForm(JsonNode message) {
        return AnthropicPassthrough.toChat(message);
    }

    @Override
    public JsonNode create(ProviderCall<Request> call) {
        String label = ProviderHttp.label(BedrockProvider.NAME, call);
        return ProviderHttp.readJson(label, call, bedrock.post(label, call, "invoke", body(call), "application/json"));
    }

    @Override
    public void stream(ProviderCall<Request> call, Consumer<JsonNode> events) {
        String label = ProviderHttp.label(BedrockProvider.NAME, call);
        boolean stopped = false;
        try (InputStream stream = bedrock.post(label, call, "invoke-with-response-stream", body(call), BedrockProvider.EVENT_STREAM)) {
            EventStreamDecoder decoder = new EventStreamDecoder(stream, call.limits().eventBytes());
            while (!stopped) { // message_stop ends it: nothing more is read
                var message = decoder.next();
                if (message == null) break;
                JsonNode event = BedrockProvider.payload(label, call, message);
                if (!"chunk".equals(message.header(":event-type"))) continue; // nothing else carries Claude's events
                stopped = !AnthropicPassthrough.accept(label, call, claudeEvent(label, event), events);
            }
        } catch (EventStreamDecoder.MessageTooLargeException e) {
            throw ProviderHttp.tooLarge(label, "a stream event", call.limits().eventBytes(), "max_stream_event_size_mb");
        } catch (EventStreamDecoder.MalformedFrameException e) {
            throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " sent a corrupt event-stream frame: " + e.getMessage());
        } catch (IOException e) {
            throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " broke off its stream: "
                    + ProviderErrors.message(String.valueOf(e.getMessage()), call.apiKey(), false));
        }
        if (!stopped) throw AnthropicPassthrough.incomplete(label);
    }

    /** Claude's event inside a {@code chunk}: base64 JSON in {@code bytes}. */
    private static JsonNode claudeEvent(String label, JsonNode chunk) {
        String bytes = chunk.path("bytes").asText(null);
        if (bytes == null) throw ProviderHttp.malformed(label);
        try {
            return ProviderHttp.eventObject(label, new String(Base64.getDecoder().decode(bytes), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    private static ObjectNode body(ProviderCall<Request> call) {
        ObjectNode body = AnthropicPassthrough.hostedBody(call, ANTHROPIC_VERSION);
        String beta = call.request().headers().get("anthropic-beta");
        if (beta != null && !beta.isBlank() && !body.has("anthropic_beta")) {
            ArrayNode features = body.putArray("anthropic_beta");
            for (String feature : beta.split(",")) {
                if (!feature.isBlank()) features.add(feature.strip());
            }
        }
        return body;
    }
}
