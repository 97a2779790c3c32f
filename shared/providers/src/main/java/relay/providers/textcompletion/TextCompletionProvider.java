package relay.providers.textcompletion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Set;
import java.util.function.Consumer;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.EmbeddingRequest;
import relay.providers.http.ProviderHttp;
import relay.providers.openai.OpenAiProvider;

/**
 * OpenAI's legacy text completions ({@code text-completion-openai/gpt-3.5-turbo-instruct}): a chat
 * request is sent to {@code /completions} with the conversation as {@code prompt}
 * ({@link TextCompletions#prompt}), and {@code choices[].text} comes back as the assistant's message
 * (or as content deltas when streaming). A retired model (text-davinci-003) gets OpenAI's own error.
 */
public final class TextCompletionProvider extends OpenAiProvider {
    /** What /completions takes of OpenAI's chat parameters; tools, JSON mode and chat-style logprobs it has not. */
    private static final Set<String> SUPPORTED = Set.of("temperature", "top_p", "n", "max_tokens", "max_completion_tokens",
            "stop", "seed", "presence_penalty", "frequency_penalty", "logit_bias");

    private final Clock clock;

    public TextCompletionProvider(HttpClient http) {
        this(http, Clock.systemUTC());
    }

    public TextCompletionProvider(HttpClient http, Clock clock) {
        super(http, "text-completion-openai", DEFAULT_API_BASE, "OPENAI_API_KEY");
        this.clock = clock;
    }

    @Override
    public Set<String> supportedChatParams() {
        return SUPPORTED;
    }

    @Override
    public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
        ObjectNode body = TextCompletions.request(call.request(), call.deployment().providerModel());
        String label = label(call);
        JsonNode answer = ProviderHttp.readJson(label, call, post(call, "/completions", body));
        try {
            return TextCompletions.response(answer, clock);
        } catch (RuntimeException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    @Override
    public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
        ObjectNode body = TextCompletions.request(call.request(), call.deployment().providerModel());
        body.put("stream", true);
        includeUsage(body);
        readStream(label(call), call, post(call, "/completions", body), new TextCompletions.Stream(clock)::chunks, chunks);
    }

    @Override
    public EmbeddingResult embed(ProviderCall<EmbeddingRequest> call) {
        throw new RelayException(ErrorKind.INVALID_REQUEST,
                "Provider '" + name() + "' does not serve embeddings; use openai/<model> for them.", "model");
    }
}
