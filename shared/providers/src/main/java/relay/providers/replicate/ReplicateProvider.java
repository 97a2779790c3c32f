package relay.providers.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Completions;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.Usage;
import relay.providers.http.ProviderHttp;

/**
 * Replicate's predictions API for language models. A chat call creates a prediction with
 * {@code Prefer: wait} (Replicate answers synchronously for up to 60 s) and, when it is still
 * running, polls {@code urls.get} until it ends or the call's timeout is spent (then cancels it).
 * A streamed call creates the prediction with {@code stream: true} and reads {@code urls.stream}.
 * URLs from Replicate's answers are followed only on the API's own host or Replicate's, since the
 * key goes with them. No tools, no JSON mode, no embeddings: Replicate's models take a text prompt.
 */
public final class ReplicateProvider implements Provider {
    public static final String DEFAULT_API_BASE = "https://api.replicate.com/v1";

    static final Set<String> SUPPORTED_PARAMS = Set.of("temperature", "top_p", "max_tokens", "max_completion_tokens",
            "stop", "seed", "presence_penalty", "frequency_penalty");

    private static final int MAX_WAIT_SECONDS = 60; // Replicate's limit for Prefer: wait
    private static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration USAGE_LOOKUP_TIMEOUT = Duration.ofSeconds(5);

    private final ProviderHttp http;
    private final Clock clock;
    private final Duration firstPoll;
    private final Duration maxPoll;

    public ReplicateProvider(HttpClient http, Clock clock) {
        this(http, clock, Duration.ofMillis(250), Duration.ofSeconds(1));
    }

    /** With another polling schedule: the first wait, doubling up to {@code maxPoll}. */
    ReplicateProvider(HttpClient http, Clock clock, Duration firstPoll, Duration maxPoll) {
        this.http = new ProviderHttp(http);
        this.clock = clock;
        this.firstPoll = firstPoll;
        this.maxPoll = maxPoll;
    }

    @Override
    public String name() { return "replicate"; }

    @Override
    public String defaultKeyName() { return "REPLICATE_API_KEY"; }

    @Override
    public Set<String> supportedChatParams() { return SUPPORTED_PARAMS; }

    @Override
    public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
        long deadline = System.nanoTime() + call.timeout().toNanos();
        String label = ProviderHttp.label(name(), call);
        ObjectNode body = ReplicateRequests.prediction(call.request(), ReplicateModel.parse(call.deployment().providerModel()), false);
        Map<String, String> headers = headers(call, "application/json");
        long wait = Math.max(1, Math.min(MAX_WAIT_SECONDS, call.timeout().toSeconds() - 1)); // answer before our own timeout
        headers.put("prefer", "wait=" + wait);
        return completion(label, call, awaitEnd(label, call, create(label, call, headers, body), deadline), body);
    }

    private ChatCompletionResponse completion(String label, ProviderCall<?> call, JsonNode prediction, ObjectNode body) {
        try {
            return ReplicateResponses.chat(prediction, call.deployment().providerModel(), clock.instant().getEpochSecond(), body.path("input"));
        } catch (RuntimeException e) {
            throw ProviderHttp.malformed(label);
        }
    }

    @Override
    public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
        long deadline = System.nanoTime() + call.timeout().toNanos();
        String label = ProviderHttp.label(name(), call);
        String model = call.deployment().providerModel();
        ObjectNode body = ReplicateRequests.prediction(call.request(), ReplicateModel.parse(model), true);
        JsonNode prediction = create(label, call, headers(call, "application/json"), body);
        if (ReplicateResponses.finished(prediction) && !"succeeded".equals(prediction.path("status").asText())) {
            throw ReplicateResponses.failure(label, prediction, call.apiKey());
        }
        JsonNode streamUrl = prediction.path("urls").path("stream");
        if (!streamUrl.isTextual()) { // this model cannot stream: wait for the answer and send it as chunks
            ChatCompletionResponse answer = completion(label, call, awaitEnd(label, call, prediction, deadline), body);
            Completions.chunks(answer.id(), answer.created(), model, answer.choices().get(0).message().text(), answer.usage())
                    .forEach(chunks);
            return;
        }
        Map<String, String> headers = headers(call, "text/event-stream");
        headers.put("cache-control", "no-store");
        InputStream events = http.get(label, within(call, deadline, call.timeout()), trusted(label, call, streamUrl, "stream"), headers);
        ReplicateStream stream = new ReplicateStream(label, call.apiKey(), prediction.path("id").asText(Completions.newId()), model,
                ReplicateResponses.created(prediction, clock.instant().getEpochSecond()), chunks);
        boolean complete = ProviderHttp.readEvents(label, call, events, event -> stream.accept(event.name(), event.data()));
        if (!complete) throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " ended its stream before the done event.");
        stream.usage(streamedUsage(label, call, prediction, body.path("input"), stream.text(), deadline));
    }

    /** The finished prediction's token counts, looked up once after the stream; an estimate when that fails. */
    private Usage streamedUsage(String label, ProviderCall<?> call, JsonNode prediction, JsonNode input, String text, long deadline) {
        JsonNode latest = prediction;
        try {
            URI get = trusted(label, call, prediction.path("urls").path("get"), "get");
            latest = ProviderHttp.readJson(label, call, http.get(label, within(call, deadline, USAGE_LOOKUP_TIMEOUT), get,
                    headers(call, "application/json")));
        } catch (RelayException e) {
            // the answer is complete; only the token counts are estimated
        }
        return ReplicateResponses.usage(latest, input, text);
    }

    private JsonNode create(String label, ProviderCall<ChatCompletionRequest> call, Map<String, String> headers, ObjectNode body) {
        ReplicateModel model = ReplicateModel.parse(call.deployment().providerModel());
        URI uri;
        try {
            uri = URI.create(ProviderHttp.base(call, DEFAULT_API_BASE) + model.createPath());
        } catch (IllegalArgumentException e) {
            throw new RelayException(ErrorKind.INVALID_REQUEST, "The api_base or model of deployment " + call.deployment().id()
                    + " does not make a valid URL.");
        }
        JsonNode prediction = ProviderHttp.readJson(label, call, http.postJson(label, call, uri, headers, body));
        if (!prediction.path("status").isTextual()) throw ProviderHttp.malformed(label);
        return prediction;
    }

    /** Polls until the prediction ends; returns it when it succeeded, throws its failure otherwise. */
    private JsonNode awaitEnd(String label, ProviderCall<?> call, JsonNode prediction, long deadline) {
        Duration interval = firstPoll;
        while (!ReplicateResponses.finished(prediction)) {
            URI get = trusted(label, call, prediction.path("urls").path("get"), "get");
            if (deadline - System.nanoTime() <= interval.toNanos()) {
                cancel(label, call, prediction);
                throw new RelayException(ErrorKind.REQUEST_TIMEOUT, label + " did not finish its prediction within "
                        + call.timeout().toMillis() + " ms; Relay canceled it.");
            }
            sleep(label, interval);
            interval = interval.multipliedBy(2).compareTo(maxPoll) > 0 ? maxPoll : interval.multipliedBy(2);
            try {
                prediction = ProviderHttp.readJson(label, call, http.get(label, within(call, deadline, call.timeout()), get,
                        headers(call, "application/json")));
            } catch (RelayException e) {
                // A poll that fails once the deadline has passed (however the JDK reports it) ran into the deadline.
                if (e.kind() != ErrorKind.REQUEST_TIMEOUT && deadline - System.nanoTime() > 0) throw e;
                // say so with the call's timeout, not the poll's remainder
                cancel(label, call, prediction);
                throw new RelayException(ErrorKind.REQUEST_TIMEOUT, label + " did not finish its prediction within "
                        + call.timeout().toMillis() + " ms; Relay canceled it.");
            }
            if (!prediction.path("status").isTextual()) throw ProviderHttp.malformed(label);
        }
        if (!"succeeded".equals(prediction.path("status").asText())) throw ReplicateResponses.failure(label, prediction, call.apiKey());
        return prediction;
    }

    /** Stops a prediction Relay no longer waits for, so it is not billed to the end; failures are ignored. */
    private void cancel(String label, ProviderCall<?> call, JsonNode prediction) {
        try {
            URI uri = trusted(label, call, prediction.path("urls").path("cancel"), "cancel");
            ProviderCall<?> quick = new ProviderCall<>(call.deployment(), call.request(), call.apiKey(), CANCEL_TIMEOUT, call.limits());
            http.post(label, quick, uri, headers(call, "application/json"), "application/json", new byte[0]).close();
        } catch (RelayException | IOException e) {
            // best effort
        }
    }

    /**
     * A URL from Replicate's answer that may receive the key: on the API base's own origin, or an
     * https URL on Replicate's hosts (streams are served from {@code *.replicate.com} / {@code *.replicate.net}).
     */
    static URI trusted(String label, ProviderCall<?> call, JsonNode url, String what) {
        if (!url.isTextual()) throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " returned a prediction without urls." + what + ".");
        URI uri;
        URI base;
        try {
            uri = URI.create(url.asText());
            base = URI.create(ProviderHttp.base(call, DEFAULT_API_BASE));
        } catch (IllegalArgumentException e) {
            throw ProviderHttp.malformed(label);
        }
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        boolean sameOrigin = host.equalsIgnoreCase(base.getHost()) && port(uri) == port(base)
                && String.valueOf(uri.getScheme()).equalsIgnoreCase(base.getScheme());
        boolean replicateHost = "https".equalsIgnoreCase(uri.getScheme())
                && (host.equals("replicate.com") || host.endsWith(".replicate.com") || host.endsWith(".replicate.net"));
        if (!sameOrigin && !replicateHost) {
            throw new RelayException(ErrorKind.PROVIDER_ERROR, label + " returned a " + what + " URL on another host ("
                    + host + "); Relay does not send the key there.");
        }
        return uri;
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) return uri.getPort();
        return "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
    }

    /** The call with what is left of its time (at most {@code cap}), for a follow-up request. */
    private static ProviderCall<?> within(ProviderCall<?> call, long deadline, Duration cap) {
        Duration left = Duration.ofNanos(Math.max(Duration.ofMillis(1).toNanos(), deadline - System.nanoTime()));
        return new ProviderCall<>(call.deployment(), call.request(), call.apiKey(), left.compareTo(cap) < 0 ? left : cap, call.limits());
    }

    private static void sleep(String label, Duration interval) {
        try {
            Thread.sleep(interval);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RelayException(ErrorKind.PROVIDER_UNAVAILABLE, label + ": the call was interrupted.");
        }
    }

    private static Map<String, String> headers(ProviderCall<?> call, String accept) {
        Map<String, String> headers = new HashMap<>();
        headers.put("accept", accept);
        if (call.apiKey() != null) headers.put("authorization", "Bearer " + call.apiKey());
        return headers;
    }
}
